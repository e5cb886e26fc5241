"""docs/deploy.md's settings file and its `deploy/flask` commands, run as the guide writes them."""

from __future__ import annotations

import getpass
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.databases import new_database_url

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "deploy.md").read_text()
# The `deploy/flask` commands this file runs, as the guide writes them.
RUN_HERE = {"init-db --without-demo", 'create-admin yourname --display-name "Your Name"', "init-db", "housekeeping"}


def shell_blocks() -> list[str]:
    """The guide's ```sh blocks."""
    return re.findall(r"```sh\n(.*?)```", GUIDE, re.DOTALL)


def settings_step() -> str:
    """The guide's commands that write /etc/ledger/env: its `cat > ... <<EOF ... EOF`."""
    return next(re.search(r"cat > /etc/ledger/env <<EOF\n.*?\nEOF\n", block, re.DOTALL)[0]
                for block in shell_blocks() if "cat > /etc/ledger/env" in block)


@pytest.fixture
def settings_file(tmp_path) -> Path:
    """/etc/ledger/env as the guide's step writes it, in a temp folder, on this test's database and media folder."""
    written = tmp_path / "env"
    subprocess.run(["sh", "-c", settings_step().replace("/etc/ledger/env", str(written))], check=True)
    text = written.read_text()
    text = text.replace("DATABASE_URL=postgresql:///news", f"DATABASE_URL={new_database_url(tmp_path / 'instance')}")
    text = text.replace("MEDIA_ROOT=/srv/ledger/instance/media", f"MEDIA_ROOT={tmp_path / 'media'}")
    written.write_text(text)
    return written


def deploy_flask(settings: Path, command: str, stdin: str = "") -> subprocess.CompletedProcess:
    """`deploy/flask COMMAND` as the guide runs it, as this user, with these settings."""
    environment = {"PATH": "/usr/bin:/bin", "LEDGER_ENV": str(settings), "LEDGER_USER": getpass.getuser()}
    return subprocess.run(["sh", "-c", f"deploy/flask {command}"], cwd=ROOT, env=environment, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_every_deploy_flask_command_of_the_guide_is_one_this_file_runs():
    in_blocks = {line.split("deploy/flask ", 1)[1].strip() for block in shell_blocks() for line in block.splitlines()
                 if line.startswith("deploy/flask ")}
    in_text = set(re.findall(r"`deploy/flask ([^`]+)`", GUIDE))
    assert in_blocks | in_text == RUN_HERE


def test_the_settings_file_of_the_guide_holds_a_fresh_key_and_an_https_site(settings_file):
    text = settings_file.read_text()
    assert re.search(r"^SECRET_KEY=[0-9a-f]{64}$", text, re.MULTILINE)
    assert "SITE_URL=https://news.example.org\n" in text and "TRUSTED_PROXIES=127.0.0.1\n" in text


def test_the_guide_takes_a_clean_database_to_a_site_with_its_first_admin(settings_file):
    created = deploy_flask(settings_file, "init-db --without-demo")
    assert created.returncode == 0, created.stderr
    admin = deploy_flask(settings_file, 'create-admin yourname --display-name "Your Name" --password-stdin',
                         stdin=ADMIN_PASSWORD + "\n")
    assert admin.returncode == 0, admin.stderr
    assert "yourname" in admin.stdout
    upgraded = deploy_flask(settings_file, "init-db")
    assert upgraded.returncode == 0, upgraded.stderr
    tidied = deploy_flask(settings_file, "housekeeping")
    assert tidied.returncode == 0, tidied.stderr
    assert tidied.stdout.startswith("Removed 0 ")


def test_without_its_settings_file_deploy_flask_says_so_in_one_line(tmp_path):
    missing = deploy_flask(tmp_path / "no-such-env", "init-db")
    assert missing.returncode == 2
    assert missing.stderr == (f"deploy/flask: cannot read the site's settings in {tmp_path / 'no-such-env'} "
                              "(run it as root, or set LEDGER_ENV)\n")
