"""``python -m dev.mailsink``: run the sink and its viewer until Ctrl-C."""

import argparse
import logging
import threading

from dev.mailsink import MailSink, url_host

parser = argparse.ArgumentParser(
    "python -m dev.mailsink", description="samhandling development SMTP sink (never relays mail)")
parser.add_argument("--smtp-host", default="127.0.0.1")
parser.add_argument("--smtp-port", type=int, default=1025, help="0 picks a free port")
parser.add_argument("--ui-host", default="127.0.0.1")
parser.add_argument("--ui-port", type=int, default=8025, help="0 picks a free port")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command chatter
try:
    with MailSink(**vars(parser.parse_args())) as sink:
        print(f"SMTP: smtp://{url_host(sink.smtp_host)}:{sink.smtp_port}\nWeb:  {sink.ui_url}/\n"
              "Press Ctrl-C to stop.", flush=True)
        threading.Event().wait()
except KeyboardInterrupt:
    print("Stopped.", flush=True)
