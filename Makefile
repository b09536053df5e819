# Bastion CRM. The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export BASTION_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test install lint typecheck checks pytest lock browser bench clean messages

$(STAMP): requirements/base.txt requirements/dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements/base.txt -r requirements/dev.txt
	@# The project itself: on the path of the venv, and the `bastion` console command.
	$(BIN)/python -c "import site; open(site.getsitepackages()[0] + '/bastion-crm.pth', 'w').write('$(CURDIR)\\n')"
	printf '#!%s\nfrom bastion.cli import main\nmain()\n' "$(CURDIR)/$(BIN)/python" > $(BIN)/bastion && chmod +x $(BIN)/bastion
	touch $(STAMP)

install: $(STAMP)
	@BASTION_ENV=test $(BIN)/bastion compilemessages --ignore=.venv >/dev/null

## make run: install, migrate, seed demo data on first run, serve on http://127.0.0.1:8000
run: install
	$(BIN)/bastion serve

## make test: install and run every check and test (DATABASE_URL selects PostgreSQL)
test: install browser lint typecheck checks pytest

browser:
	@command -v chromium >/dev/null || { echo "Installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; }
	@test -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || { echo "Installing Debian's WenQuanYi Micro Hei, so Chinese pages are measured with real glyphs"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei) >/dev/null; }
	@command -v rsyslogd >/dev/null || /usr/sbin/rsyslogd -v >/dev/null 2>&1 || { echo "Installing Debian's rsyslog for the audit syslog tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsyslog) >/dev/null; }

lint: install
	$(BIN)/ruff check bastion tests bench conftest.py
	$(BIN)/ruff format --check bastion tests bench conftest.py

typecheck: install
	BASTION_ENV=test $(BIN)/mypy bastion bench/*.py

checks: install
	BASTION_ENV=test $(BIN)/python tests/migrations_check.py
	$(BIN)/python tests/deploy_check.py

pytest: install
	BASTION_ENV=test $(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

messages: install
	cd bastion && ../$(BIN)/bastion makemessages -l zh_Hans --no-obsolete --ignore=static/vendor/*

lock:
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras -o requirements/base.txt requirements/base.in
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras -o requirements/dev.txt requirements/dev.in

bench: install
	BASTION_ENV=test $(BIN)/python bench/directory_bench.py

clean:
	rm -rf $(VENV) var
