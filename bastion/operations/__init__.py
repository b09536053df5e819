"""Operating Bastion: serving (web + job runner), first-run set-up and demo data."""
