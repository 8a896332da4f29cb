"""Streamlit widgets shared by pages: the only part of audit/ that imports streamlit."""
