"""Services and pure functions, without Streamlit."""
