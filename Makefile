# Shortcuts for the two quick-start commands (make is optional: dev.py needs only Python).
.PHONY: demo test test-postgres bench lint
demo:
	python3 dev.py demo
test:
	python3 dev.py test
test-postgres:
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/test python3 dev.py test
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
