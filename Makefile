# The two commands: `make demo` (a full inspection of the local demo lab) and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
SCAN   := $(VENV)/bin/scanner
OUT    := out/demo
# The lab's on-site passwords (the demo inventory's sudo_password_env), exported for each command
LAB_ENV := set -a && . tests/lab/.run/secrets/onsite.env && set +a &&

.PHONY: setup demo test lint typecheck unit docs lab-start lab-stop lab-status bench clean

setup: $(VENV)/.setup-done

$(VENV)/.setup-done: pyproject.toml scripts/setup-debian.sh $(wildcard tests/lab/*.py)
	bash scripts/setup-debian.sh
	touch $@

lab-start: setup
	$(PY) tests/lab/lab.py start

lab-stop:
	python3 tests/lab/lab.py stop

lab-status:
	python3 tests/lab/lab.py status

demo: lab-start
	mkdir -p $(OUT)
	$(LAB_ENV) $(SCAN) validate targets.example.yaml
	# the lab's sample vulnerability feeds (real ones: docs/vulnerabilities.md says where to get them)
	$(SCAN) feed import tests/data/feeds/*.json --db sqlite:///$(OUT)/scanner.db
	$(LAB_ENV) $(SCAN) run targets.example.yaml --profile full --db sqlite:///$(OUT)/scanner.db
	$(SCAN) findings --db sqlite:///$(OUT)/scanner.db --json > $(OUT)/findings.json
	$(SCAN) notices --db sqlite:///$(OUT)/scanner.db --format html,pdf,md,json,csv --lang zh-CN,en --out $(OUT)/notices
	$(SCAN) summary --db sqlite:///$(OUT)/scanner.db --format html,json --lang zh-CN,en --out $(OUT)/notices
	@echo "demo: notices and the campaign summary are in $(OUT)/notices/ (store: $(OUT)/scanner.db);"
	@echo "      the lab keeps running for rescans and 'scanner verify --notice NUMBER'; make lab-stop ends it"
	@echo "web:  the team web application over the demo store, with a demo admin (password shown once):"
	@$(SCAN) users add demo-admin --role admin --generate-password --reset-existing --db sqlite:///$(OUT)/scanner.db
	@echo "      $(SCAN) serve --db sqlite:///$(OUT)/scanner.db --port 8080"
	@echo "      then open http://127.0.0.1:8080/login and log in as demo-admin (API: /api/docs)"

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check scanner checks reports scripts tests bench
	$(VENV)/bin/lint-imports --no-cache

typecheck: setup
	$(VENV)/bin/mypy

test: setup lint typecheck
	$(PY) -m pytest -q

docs: setup
	$(SCAN) checks --format markdown > docs/checks.md
	$(SCAN) schema --format markdown > docs/inventory.md
	$(SCAN) commands --format markdown > docs/onsite-commands.md
	$(SCAN) ot-requests --format markdown > docs/ot-safety.md
	$(SCAN) coverage --format markdown > docs/mlps-coverage.md

bench: lab-start
	$(PY) bench/run_all.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
