# The two commands of the README: `make run` and `make test`. Each installs what it needs.
.PHONY: run test lint

run:
	./scripts/bootstrap run
	.venv/bin/tablecloth init-db
	.venv/bin/tablecloth serve

test:
	./scripts/bootstrap test
	.venv/bin/ruff check .
	.venv/bin/python -m pytest

lint:
	.venv/bin/ruff check .
