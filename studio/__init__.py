"""The Streamlit studio: UI only. It never imports torch, diffusers or transformers."""
