"""The customer directory: companies (accounts) and the people who work there (contacts)."""
