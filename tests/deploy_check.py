"""Run ``bastion check --deploy`` as production would, failing on any warning.

A throw-away SECRET_KEY is generated for the run (never written anywhere), so the
check exercises the real production settings without a committed secret.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
import tempfile


def main() -> int:
    with tempfile.TemporaryDirectory() as data_dir:
        env = dict(os.environ)
        env.update(
            {
                "BASTION_ENV": "production",
                "BASTION_SECRET_KEY": secrets.token_urlsafe(64),
                "BASTION_ALLOWED_HOSTS": "crm.example.test",
                "BASTION_DATA_DIR": data_dir,
                "BASTION_KEY_PROVIDER": "env",
                "BASTION_ROOT_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            }
        )
        command = [sys.executable, "-m", "bastion.cli", "check", "--deploy", "--fail-level", "WARNING"]
        return subprocess.call(command, env=env)  # noqa: S603 - fixed argv


if __name__ == "__main__":
    sys.exit(main())
