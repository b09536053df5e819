"""The security kernel: settings helpers, headers, access primitives, jobs. Knows nothing of CRM objects."""
