"""Staff accounts: membership and role, teams, API tokens, sign-in policy."""
