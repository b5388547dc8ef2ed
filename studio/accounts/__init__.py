"""Who may use the studio: accounts, login cookies and limits, API tokens (no Streamlit, no Starlette)."""
