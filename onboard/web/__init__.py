"""The Streamlit web app (chat, source viewer, architecture maps, indexes): a thin shell over onboard.api."""
