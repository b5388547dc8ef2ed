"""Who may use the studio: accounts, login cookies, login limits, API tokens.

No Streamlit and no Starlette here: both sides of the studio import these.
"""
