#!/usr/bin/python3
"""Private SMTP server for the network tests: Debian's python3-aiosmtpd, delivering into the
Maildir folders the private Dovecot reads (tests/servers/mailservers.sh starts it).

Listeners, all on 127.0.0.1 only:
  smtp        plain, AUTH optional (never required), for the plain-password tests
  submission  STARTTLS, AUTH required (only after STARTTLS)
  smtps       implicit TLS, AUTH required
A recipient whose local part is not a user in the passwd file gets 550 5.1.1; one named
"busy" gets 451 4.2.1 (temporary). Each accepted message is written once per recipient.
"""
import asyncio, mailbox, os, ssl, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

d, smtp_port, sub_port, smtps_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
os.umask(0o022)
users = {}
with open(os.path.join(d, "users")) as f:
    for line in f:
        name, pw = line.strip().split(":")[:2]
        users[name] = pw.replace("{PLAIN}", "")


def auth(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and users.get(data.login.decode()) == data.password.decode()
    return AuthResult(success=ok, handled=False)


class Deliver:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local == "busy":
            return "451 4.2.1 Mailbox busy, try again later"
        if local not in users:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        for rcpt in envelope.rcpt_tos:
            box = mailbox.Maildir(os.path.join(d, "mail", rcpt.split("@")[0].lower()), create=False)
            box.add(mailbox.MaildirMessage(data))
        with open(os.path.join(d, "smtp.log"), "a") as log:
            log.write("%f %s -> %s %d bytes\n" % (time.time(), envelope.mail_from, ",".join(envelope.rcpt_tos), len(data)))
        return "250 2.0.0 OK queued"


ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(os.path.join(d, "cert.pem"), os.path.join(d, "key.pem"))
common = dict(hostname="127.0.0.1", authenticator=auth, enable_SMTPUTF8=True, data_size_limit=33554432,
              decode_data=False)
servers = [
    Controller(Deliver(), port=smtp_port, auth_require_tls=False, auth_required=False, **common),
    Controller(Deliver(), port=sub_port, tls_context=ctx, require_starttls=True, auth_required=True, **common),
    Controller(Deliver(), port=smtps_port, ssl_context=ctx,
               auth_required=True, auth_require_tls=False, **common),
]
for s in servers:
    s.start()
with open(os.path.join(d, "smtpd.ready"), "w") as f:
    f.write("ok\n")
try:
    while True:
        time.sleep(3600)
except KeyboardInterrupt:
    pass
