"""Store audit core: usable without Streamlit (see audit/ui/ for the Streamlit widgets)."""
