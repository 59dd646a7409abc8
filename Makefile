# The two commands of the README: `make run` and `make test`. Each installs what it needs.
.PHONY: run test lint

run:
	./scripts/bootstrap run
	.venv/bin/tablecloth init-db
	.venv/bin/tablecloth serve

# Two passes: everything on SQLite + a local folder, then the tests that touch a database or
# store again on PostgreSQL + S3 (servers started by the tests). Both run; either failing fails.
test:
	./scripts/bootstrap test
	.venv/bin/ruff check .
	status=0; \
	.venv/bin/python -m pytest --db sqlite --storage local || status=$$?; \
	.venv/bin/python -m pytest --db postgresql --storage s3 || status=$$?; \
	exit $$status

lint:
	.venv/bin/ruff check .
