#!/usr/bin/env python3
"""Cross-check of Tandem's mail codec against Python's standard `email` package (issue 5, point 7).

Forward: a varied set of messages (non-ASCII names and subjects, both bodies, inline images,
many attachments, embedded messages, long lines, binary data) is written by `tandem mime write`
and read back with `email`: subject, addresses, body texts and attachment bytes must be identical.
Reverse: messages composed with `email` (the modern API and the legacy MIME classes, in many
charsets) are read by `tandem mime parse --data` into the same fields.

Usage: crosscheck.py BUILD_DIR
Runs BUILD_DIR/bin/tandem.exe through toolchain/wine-run (the build's Wine prefix). Set
TANDEM_RUNNER to a command to run something else (e.g. a native build of tandem).
Prints one line per check and closes with "N passed, N failed"; exits 1 on any failure.
"""
import base64
import email
import email.policy
import email.utils
import json
import os
import random
import shlex
import subprocess
import sys
import tempfile
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.header import Header

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

passed = 0
failed = 0


def report(name, problems):
    global passed, failed
    if problems:
        failed += 1
        print(f"FAIL {name}")
        for p in problems[:8]:
            print(f"     {p}")
    else:
        passed += 1
        print(f"ok   {name}")


def runner(build):
    if os.environ.get("TANDEM_RUNNER"):
        return shlex.split(os.environ["TANDEM_RUNNER"])
    return [os.path.join(TOP, "toolchain", "wine-run"), build,
            os.path.join(build, "bin", "tandem.exe")]


def tandem(cmd, args):
    r = subprocess.run(cmd + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=120)
    return r.returncode, r.stdout, r.stderr.decode("utf-8", "replace").strip()


def lf(s):
    return None if s is None else s.replace("\r\n", "\n")


# ---- forward: tandem writes, email reads ---------------------------------------------------------

NAMES = ["Jürgen Müller", "张伟", "Ольга Петрова", "Zoë \"Zed\" O'Neil", "Doe, John",
         "Smile 😀 Face", "José (Pepe) Núñez", "A\\B", "plain name", "ünïcödé " * 6]
SUBJECTS = ["Hello", "Grüße aus Köln", "RE: Привет мир", "件名のテスト", "=?utf-8?q?not_a_word?=",
            "a long subject " * 12, "Mixed ASCII and ελληνικά and עברית", "emoji 🎉🎉🎉 party",
            "x" * 150]


def rand_bytes(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def forward_cases():
    rng = random.Random(5)
    cases = []

    def addr(i, name=None):
        return {"name": name if name is not None else NAMES[i % len(NAMES)],
                "address": f"user{i}@example.com"}

    cases.append(("ascii text only", {
        "from": addr(0, "Alice Example"), "to": [addr(1, "")], "subject": "Hello",
        "body_text": "Hi Bob,\nsee you.\n"}))
    cases.append(("non-ascii names and subjects", {
        "from": addr(0), "to": [addr(i) for i in range(1, 6)], "cc": [addr(i) for i in range(6, 10)],
        "subject": "Grüße — 件名 — Привет", "body_text": "Grüße\n"}))
    cases.append(("both bodies", {
        "from": addr(2), "to": [addr(3)], "subject": SUBJECTS[2],
        "body_text": "plain ✓ text\n", "body_html": "<p>html ✓ text</p>\n"}))
    img = rand_bytes(rng, 3000)
    cases.append(("html with inline images", {
        "from": addr(4), "to": [addr(5)], "subject": "inline",
        "body_text": "see picture", "body_html": '<p><img src="cid:img1@x"><img src="cid:img2@x"></p>',
        "attachments": [
            {"filename": "one.png", "mime_type": "image/png", "content_id": "img1@x",
             "disposition": "inline", "data_base64": base64.b64encode(img).decode()},
            {"filename": None, "mime_type": "image/gif", "content_id": "img2@x",
             "disposition": "inline", "data_base64": base64.b64encode(img[::-1]).decode()}]}))
    many = []
    for i in range(25):
        data = rand_bytes(rng, rng.randrange(0, 5000))
        name = rng.choice(["report.pdf", "data.bin", "résumé.docx", "файл.txt", "長いファイル名" * 5 + ".zip",
                           "name with spaces and (parens).txt", "quote\"d.txt"]) + str(i)
        many.append({"filename": name, "mime_type": "application/octet-stream",
                     "data_base64": base64.b64encode(data).decode()})
    cases.append(("many attachments", {
        "from": addr(6), "to": [addr(7)], "subject": "25 files", "body_text": "files\n",
        "attachments": many}))
    inner = {"from": addr(8), "to": [addr(9)], "subject": "inner ✓ message",
             "body_text": "inner body\n", "body_html": "<b>inner</b>",
             "attachments": [{"filename": "inner.bin", "mime_type": "application/octet-stream",
                              "data_base64": base64.b64encode(rand_bytes(rng, 999)).decode()}]}
    cases.append(("embedded messages", {
        "from": addr(1), "to": [addr(2)], "subject": "FW: forwarded", "body_text": "see attached\n",
        "attachments": [{"filename": "fwd.eml", "embedded": True, "message": inner},
                        {"embedded": True, "message": {"subject": "second", "body_text": "2"}}]}))
    cases.append(("long lines", {
        "from": addr(3), "to": [addr(4)], "subject": SUBJECTS[5],
        "body_text": ("word " * 400) + "\n" + "x" * 3000 + "\n",
        "body_html": "<p>" + "y" * 5000 + "</p>"}))
    binary = bytes(range(256)) * 4 + b"\r\n\n\r\x00\x00--=_tandem\r\n"
    cases.append(("binary data", {
        "from": addr(5), "to": [addr(6)], "subject": "binary",
        "body_text": "bin", "attachments": [
            {"filename": "all-bytes.bin", "mime_type": "application/octet-stream",
             "data_base64": base64.b64encode(binary).decode()},
            {"filename": "lf-only.txt", "mime_type": "text/plain",
             "data_base64": base64.b64encode(b"line1\nline2\n\nline4").decode()},
            {"filename": "crlf.txt", "mime_type": "text/plain",
             "data_base64": base64.b64encode(b"line1\r\nline2\r\n").decode()},
            {"filename": "empty", "mime_type": "application/octet-stream", "data_base64": ""}]}))
    cases.append(("special characters in names", {
        "from": addr(0, 'Quote " and \\ backslash'), "to": [addr(1, "Comma, Person"),
                                                        addr(2, "Paren (x) <y>"), addr(3, "a;b:c@d")],
        "reply_to": [addr(4, "Replies")], "subject": "specials", "body_text": "x"}))
    cases.append(("html only", {"from": addr(1), "to": [addr(2)], "subject": SUBJECTS[3],
                                "body_html": "<html><body>件名 only html</body></html>"}))
    cases.append(("encoded-word lookalike subject", {
        "from": addr(1), "to": [addr(2)], "subject": SUBJECTS[4], "body_text": "=?utf-8?q?x?=\n"}))
    cases.append(("body edge cases", {
        "from": addr(1), "to": [addr(2)], "subject": "edges",
        "body_text": "trailing blanks   \n.\nFrom the start\n--not a boundary\n\tTab\n"}))
    for k in range(10):
        msg = {"from": addr(rng.randrange(50)), "to": [addr(rng.randrange(50)) for _ in range(rng.randrange(1, 4))],
               "subject": rng.choice(SUBJECTS) + f" #{k}"}
        if rng.random() < 0.8:
            msg["body_text"] = "".join(rng.choice(["abc ", "é", "\n", "😀", "x" * 90, "= ", "\t"])
                                       for _ in range(rng.randrange(1, 60)))
        if rng.random() < 0.5:
            msg["body_html"] = "<p>" + "".join(rng.choice(["<b>b</b>", "ü", "\n", "&amp;"]) for _ in range(30)) + "</p>"
        atts = []
        for i in range(rng.randrange(0, 5)):
            a = {"filename": rng.choice(NAMES) + ".bin", "mime_type": "application/octet-stream",
                 "data_base64": base64.b64encode(rand_bytes(rng, rng.randrange(0, 2000))).decode()}
            if "body_html" in msg and rng.random() < 0.4:
                a["content_id"] = f"c{k}.{i}@x"
                a["disposition"] = "inline"
            atts.append(a)
        msg["attachments"] = atts
        cases.append((f"random message {k}", msg))
    return cases


def py_addresses(header):
    if header is None:
        return []
    return [(a.display_name, a.addr_spec) for a in header.addresses]


def py_leaves(msg, skip):
    """Leaf parts outside the chosen bodies; message/rfc822 parts are leaves too."""
    out = []
    if msg.is_multipart() and msg.get_content_type() != "message/rfc822":
        for part in msg.iter_parts():
            out.extend(py_leaves(part, skip))
    elif not any(msg is s for s in skip):
        out.append(msg)
    return out


def compare_forward(spec, raw, path=""):
    problems = []
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    check_message(spec, msg, problems, path)
    return problems


def check_message(spec, msg, problems, path):
    def want(cond, what):
        if not cond:
            problems.append(path + what)

    want(str(msg["subject"] or "") == spec.get("subject", ""),
         f"subject: {str(msg['subject'])!r} != {spec.get('subject')!r}")
    if spec.get("from"):
        got = py_addresses(msg["from"])
        exp = [((spec["from"]["name"] or "").strip(), spec["from"]["address"])]
        want(got == exp, f"from: {got} != {exp}")
    for key in ("to", "cc", "reply_to"):
        got = py_addresses(msg[key.replace("_", "-")])
        # tandem keeps no blanks around a display name (mime.h); nor does any reader show them
        exp = [((a["name"] or "").strip(), a["address"]) for a in spec.get(key, [])]
        want(got == exp, f"{key}: {got} != {exp}")
    want(msg["bcc"] is None, "Bcc written")
    plain = msg.get_body(("plain",)) if spec.get("body_text") is not None else None
    html = msg.get_body(("html",)) if spec.get("body_html") is not None else None
    if spec.get("body_text") is not None:
        want(plain is not None and lf(plain.get_content()) == lf(spec["body_text"]),
             f"text body: {plain.get_content()[:80] if plain else None!r} != {spec['body_text'][:80]!r}")
    if spec.get("body_html") is not None:
        want(html is not None and lf(html.get_content()) == lf(spec["body_html"]),
             f"html body: {html.get_content()[:80] if html else None!r} != {spec['body_html'][:80]!r}")
    leaves = py_leaves(msg, [p for p in (plain, html) if p is not None])
    if spec.get("body_text") is None and spec.get("body_html") is None:
        # tandem writes an empty text part for a message without a body
        leaves = [p for p in leaves if not (p.get_content_type() == "text/plain" and
                                            p.get_filename() is None and p.get_content() == "")]
    atts = spec.get("attachments", [])
    want(len(leaves) == len(atts), f"{len(leaves)} attachments read, {len(atts)} written")
    unmatched = list(leaves)
    for i, a in enumerate(atts):
        match = None
        for p in unmatched:
            if a.get("message"):
                if p.get_content_type() == "message/rfc822":
                    inner = p.get_content()
                    if str(inner["subject"] or "") == a["message"].get("subject", ""):
                        match = p
                        check_message(a["message"], inner, problems, path + f"embedded {i}: ")
                        break
                continue
            data = base64.b64decode(a["data_base64"])
            if p.get_filename() == a.get("filename") and p.get_payload(decode=True) == data:
                match = p
                break
        if match is None:
            problems.append(path + f"attachment {i} ({a.get('filename')!r}) not found with the same name and bytes")
            continue
        unmatched.remove(match)
        if a.get("content_id"):
            want(match["Content-ID"] == f"<{a['content_id']}>",
                 f"attachment {i}: Content-ID {match['Content-ID']!r}")
        if not a.get("message"):
            want(match.get_content_type() == a["mime_type"],
                 f"attachment {i}: type {match.get_content_type()} != {a['mime_type']}")


def check_wire(raw):
    """What any mail reader relies on: CRLF only, no line past 998 (none past 78 in headers)."""
    problems = []
    text = raw.decode("ascii", "replace")
    if "\n" in text.replace("\r\n", "") or "\r" in text.replace("\r\n", ""):
        problems.append("bare CR or LF in output")
    header, _, _ = text.partition("\r\n\r\n")
    for line in text.split("\r\n"):
        if len(line) > 998:
            problems.append(f"line of {len(line)} characters")
            break
    for line in header.split("\r\n"):
        if len(line) > 78:
            problems.append(f"header line of {len(line)}: {line[:60]}...")
            break
    if any(b >= 0x80 for b in raw):
        problems.append("8-bit bytes in output")
    return problems


# ---- reverse: email composes, tandem reads -------------------------------------------------------

def reverse_cases():
    rng = random.Random(7)
    cases = []

    m = EmailMessage()
    m["From"] = email.utils.formataddr(("Jürgen Müller", "juergen@example.com"))
    m["To"] = email.utils.formataddr(("张伟", "zhang@example.cn")) + ", plain@example.com"
    m["Cc"] = '"Doe, John" <john@example.com>'
    m["Subject"] = "Grüße — " + " ".join(["a long subject that Python will fold"] * 4)
    m["Date"] = email.utils.formatdate(1700000000)
    m["Message-ID"] = "<py1@example.com>"
    m.set_content("plain text ✓\n" + "long line " * 50 + "\n")
    m.add_alternative("<p>html ✓ <img src=\"cid:logo@py\"></p>\n", subtype="html")
    m.get_payload()[1].add_related(b"\x89PNG\r\n\x1a\n" + rand_bytes(rng, 2000), "image", "png",
                                   cid="<logo@py>")
    m.add_attachment(rand_bytes(rng, 5000), maintype="application", subtype="pdf",
                     filename="résumé — final version with a rather long name.pdf")
    m.add_attachment(b"a,b\r\n1,2\r\n", maintype="text", subtype="csv", filename="data.csv")
    inner = EmailMessage()
    inner["Subject"] = "inner ✓"
    inner["From"] = "inner@example.com"
    inner.set_content("inner body\n")
    m.add_attachment(inner)
    cases.append(("modern API: alternative, related, attachments, embedded", m, "SMTP"))

    for charset, text in [("iso-8859-1", "Grüße, café"), ("windows-1251", "Привет, мир"),
                          ("koi8-r", "Привет, мир"), ("iso-8859-2", "Zażółć gęślą jaźń"),
                          ("iso-8859-7", "Καλημέρα"), ("shift_jis", "こんにちは世界"),
                          ("euc-jp", "こんにちは"), ("iso-2022-jp", "こんにちは、世界"),
                          ("gb2312", "你好，世界"), ("big5", "你好，世界"), ("euc-kr", "안녕하세요"),
                          ("utf-8", "mixed ✓ 😀")]:
        mm = MIMEMultipart()
        mm["From"] = Header("N " + text[:4], charset).encode() + " <x@example.com>"
        mm["To"] = "y@example.com"
        mm["Subject"] = Header(text, charset)
        mm.attach(MIMEText(text + "\n" + text + "\n", "plain", charset))
        att = MIMEApplication(rand_bytes(rng, 300), "octet-stream")
        att.add_header("Content-Disposition", "attachment", filename=(charset, "", text + ".bin"))
        mm.attach(att)
        cases.append((f"legacy API, charset {charset}", mm, "compat32",
                      {"subject": text, "from_name": "N " + text[:4], "body": text + "\n" + text + "\n",
                       "filename": text + ".bin"}))

    m = EmailMessage()
    m["From"] = "a@example.com"
    m["To"] = ", ".join(f"user{i}@example.com" for i in range(40))
    m["Subject"] = "many recipients and attachments"
    m.set_content("body\n")
    for i in range(30):
        m.add_attachment(rand_bytes(rng, rng.randrange(0, 3000)), maintype="application",
                         subtype="octet-stream", filename=f"f{i}-ünï.bin")
    cases.append(("modern API: 40 recipients, 30 attachments", m, "SMTP"))

    m = EmailMessage()
    m["From"] = "a@example.com"
    m["Subject"] = "html only"
    m.set_content("<h1>only html ✓</h1>\n", subtype="html")
    cases.append(("modern API: html only", m, "SMTP"))

    m = MIMEMultipart("mixed")
    m["Subject"] = "LF line ends"
    m.attach(MIMEText("body over\nLF lines\n"))
    m.attach(MIMEImage(b"GIF89a" + rand_bytes(rng, 100), "gif"))
    cases.append(("legacy API, LF line ends", m, "LF"))
    return cases


def py_message_fields(raw):
    """What tandem should read from a Python-composed message, as Python reads it."""
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    plain = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    leaves = py_leaves(parsed, [p for p in (plain, html) if p is not None])
    atts = []
    for p in leaves:
        if p.get_content_type() == "message/rfc822":
            atts.append({"embedded": True, "subject": str(p.get_content()["subject"] or "")})
        else:
            cid = p["Content-ID"]
            atts.append({"filename": p.get_filename(), "mime_type": p.get_content_type(),
                         "content_id": cid.strip().strip("<>") if cid else None,
                         "data": p.get_payload(decode=True)})
    return parsed, plain, html, atts


def compare_reverse(raw, got, expected=None):
    problems = []
    parsed, plain, html, atts = py_message_fields(raw)

    def want(cond, what):
        if not cond:
            problems.append(what)

    subject = expected["subject"] if expected else str(parsed["subject"] or "")
    want(got["subject"] == subject, f"subject: {got['subject']!r} != {subject!r}")
    if parsed["from"] is not None:
        name = expected["from_name"] if expected else parsed["from"].addresses[0].display_name
        want(got["from"]["name"] == name, f"from name: {got['from']['name']!r} != {name!r}")
        want(got["from"]["address"] == parsed["from"].addresses[0].addr_spec, "from address")
    for key in ("to", "cc"):
        exp = [(a.display_name, a.addr_spec) for a in parsed[key].addresses] if parsed[key] else []
        have = [(a["name"], a["address"]) for a in got[key]]
        want(have == exp, f"{key}: {have[:3]} != {exp[:3]}")
    if parsed["date"] is not None:
        d = parsed["date"].datetime.astimezone(__import__("datetime").timezone.utc)
        want(got["date"] == d.strftime("%Y-%m-%dT%H:%M:%SZ"), f"date {got['date']}")
    if parsed["message-id"]:
        want(got["message_id"] == parsed["message-id"].strip(), "message id")
    body = expected["body"] if expected else (plain.get_content() if plain is not None else None)
    want(lf(got["body_text"]) == lf(body), f"text body: {got['body_text']!r:.80} != {body!r:.80}")
    hbody = html.get_content() if html is not None else None
    want(lf(got["body_html"]) == lf(hbody), f"html body: {got['body_html']!r:.80} != {hbody!r:.80}")
    want(len(got["attachments"]) == len(atts), f"{len(got['attachments'])} attachments, {len(atts)} composed")
    for i, (g, e) in enumerate(zip(got["attachments"], atts)):
        if e.get("embedded"):
            want(g["embedded"] and g["message"]["subject"] == e["subject"], f"attachment {i}: embedded")
            continue
        fname = expected["filename"] if expected and e["filename"] is not None else e["filename"]
        want(g["filename"] == fname, f"attachment {i}: filename {g['filename']!r} != {fname!r}")
        want(g["mime_type"] == e["mime_type"], f"attachment {i}: type {g['mime_type']} != {e['mime_type']}")
        want(g["content_id"] == e["content_id"], f"attachment {i}: content id {g['content_id']!r}")
        want(base64.b64decode(g.get("data_base64", "")) == e["data"], f"attachment {i}: bytes differ")
    return problems


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[0])
        print("usage: crosscheck.py BUILD_DIR")
        return 2
    cmd = runner(os.path.abspath(sys.argv[1]))
    with tempfile.TemporaryDirectory(prefix="tandem-mime-") as tmp:
        for i, (name, spec) in enumerate(forward_cases()):
            path = os.path.join(tmp, f"w{i}.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(spec, f, ensure_ascii=bool(i % 2))
            rc, out, err = tandem(cmd, ["mime", "write", path])
            if rc != 0:
                report(f"write: {name}", [f"tandem mime write exited {rc}: {err}"])
                continue
            report(f"write: {name}", check_wire(out) + compare_forward(spec, out))

        for i, case in enumerate(reverse_cases()):
            name, m, form = case[0], case[1], case[2]
            expected = case[3] if len(case) > 3 else None
            path = os.path.join(tmp, f"p{i}.eml")
            if form == "SMTP":
                raw = m.as_bytes(policy=email.policy.SMTP)
            elif form == "LF":
                raw = m.as_bytes(policy=email.policy.compat32)
            else:
                raw = m.as_bytes(policy=email.policy.compat32.clone(linesep="\r\n"))
            with open(path, "wb") as f:
                f.write(raw)
            rc, out, err = tandem(cmd, ["mime", "parse", "--data", path])
            if rc != 0:
                report(f"parse: {name}", [f"tandem mime parse exited {rc}: {err}"])
                continue
            try:
                got = json.loads(out.decode("utf-8"))
            except ValueError as e:
                report(f"parse: {name}", [f"output is not JSON: {e}"])
                continue
            report(f"parse: {name}", compare_reverse(raw, got, expected))

        # Unreadable input: non-zero exit and one line on stderr.
        rc, out, err = tandem(cmd, ["mime", "parse", os.path.join(tmp, "missing.eml")])
        report("parse: unreadable file", [] if rc != 0 and err.count("\n") == 0 and err
               else [f"exit {rc}, stderr {err!r}"])
        bad = os.path.join(tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{"subject": "x", "attachments": [{"data_base64": "***"}]}')
        rc, out, err = tandem(cmd, ["mime", "write", bad])
        report("write: invalid input", [] if rc != 0 and err.count("\n") == 0 and err
               else [f"exit {rc}, stderr {err!r}"])

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
