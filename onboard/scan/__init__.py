"""scan stage: which files of a repository get indexed, and why the others do not."""

from onboard.scan.languages import CODE_LANGUAGES, language_for
from onboard.scan.secrets import RULES_VERSION, is_secret_file, redact
from onboard.scan.walker import HOME_MARKER, SCAN_RULES, ScanResult, read_source, scan_repo

__all__ = ["CODE_LANGUAGES", "HOME_MARKER", "RULES_VERSION", "SCAN_RULES", "ScanResult", "is_secret_file",
           "language_for", "read_source", "redact", "scan_repo"]
