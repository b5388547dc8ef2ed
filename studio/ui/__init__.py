"""The Streamlit side: the router, navigation, the session's user, pages and components."""
