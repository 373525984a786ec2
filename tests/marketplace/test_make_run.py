"""What `make run` prints: one line per e-mail, the demo's e-mails kept off the console, and a
banner that ends with the address and the demo accounts. The Makefile installs only what running
needs for `run`, and the dev extras for `test`."""
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage, get_connection
from django.core.management import call_command

from marketplace.demo import DEMO_PASSWORD
from marketplace.management.commands.serve_demo import Command as ServeDemo

ONE_LINE = "marketplace.mail_backends.OneLineConsoleBackend"


def test_an_email_is_one_console_line_with_its_recipient_subject_and_link():
    stream = io.StringIO()
    connection = get_connection(ONE_LINE, stream=stream)
    body = "Hello,\n\nSee http://127.0.0.1:8000/orders/R7K2M9QXP/ or reply.\nThanks"
    sent = EmailMessage("Your order R7K2M9QXP is confirmed", body, to=["shopper@refurb.test"],
                        connection=connection).send()
    assert sent == 1
    assert stream.getvalue() == ("✉ to shopper@refurb.test: Your order R7K2M9QXP is confirmed — "
                                 "http://127.0.0.1:8000/orders/R7K2M9QXP/\n")


def test_several_emails_are_one_line_each_and_no_header_is_printed():
    stream = io.StringIO()
    connection = get_connection(ONE_LINE, stream=stream)
    messages = [EmailMessage(f"Subject {n}", "Body\nwith lines", to=[f"a{n}@example.test"]) for n in range(3)]
    assert connection.send_messages(messages) == 3
    lines = stream.getvalue().splitlines()
    assert lines == ["✉ to a0@example.test: Subject 0", "✉ to a1@example.test: Subject 1",
                     "✉ to a2@example.test: Subject 2"]
    assert "Content-Type" not in stream.getvalue()


@pytest.mark.django_db(transaction=True)  # the e-mails leave when seed_demo's transaction commits
def test_seeding_the_demo_on_the_console_backend_prints_no_email(settings, capsys):
    settings.EMAIL_BACKEND = ONE_LINE
    mail.outbox = ["kept"]
    out = io.StringIO()
    call_command("seed_demo", "--allow-demo-users", stdout=out)
    printed = capsys.readouterr().out
    assert "✉" not in printed and "Content-Type" not in printed
    summary = out.getvalue()
    assert re.search(r"Demo data is ready\. \(\d+ e-mails of the demo orders were not printed\.\)", summary)
    assert mail.outbox == ["kept"], "the outbox of whoever called is given back"


@pytest.mark.django_db
def test_the_server_banner_ends_with_the_address_and_the_demo_accounts():
    call_command("seed_demo", "--allow-demo-users", verbosity=0)
    out = io.StringIO()
    command = ServeDemo(stdout=out, no_color=True)
    command.addr, command.protocol, command._raw_ipv6 = "127.0.0.1", "http", False
    command.on_bind(8000)
    lines = out.getvalue().strip().splitlines()
    assert lines[0].startswith("Refurb Marketplace is running at http://127.0.0.1:8000/")
    assert lines[1] == f"Demo accounts, password {DEMO_PASSWORD}:"
    assert [line.split()[0] for line in lines[2:5]] == ["staff@refurb.test", "shopper@refurb.test",
                                                        "seller@refurb.test"]
    assert lines[2].endswith("http://127.0.0.1:8000/admin/") and lines[4].endswith("/seller/")


def test_make_run_installs_the_runtime_only_and_make_test_the_dev_extras():
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text()
    run_recipe = makefile.split("\nrun: ", 1)[1].split("\n\n", 1)[0]
    assert run_recipe.startswith("install-run\n") and "serve_demo" in run_recipe
    # Running installs the runtime lock, the tests the dev lock (runtime plus the test tools).
    assert re.search(r"\$\(INSTALLED_RUN\):.*\n\t\$\(PY\) -m pip install [^\n]* -r \$\(LOCK_RUN\)\n",
                     makefile)
    assert re.search(r'\$\(INSTALLED\):.*\n\t\$\(PY\) -m pip install [^\n]* -r \$\(LOCK_DEV\)\n', makefile)
    run_lock = (Path(settings.BASE_DIR) / "requirements" / "run.txt").read_text()
    assert "\npytest==" not in run_lock and "\nplaywright==" not in run_lock
    assert "\ntest: install " in makefile
