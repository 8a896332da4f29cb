"""Developer tools run from the checkout: translations, a throwaway PostgreSQL, the local cluster."""
