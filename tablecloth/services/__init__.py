"""Services: what the web pages and the CLI both do, with the database and storage."""
