"""Streamlit entry point: `streamlit run app.py` (or `onboard serve`). All logic lives in onboard.web."""

from onboard.web.app import main

main()
