#!/usr/bin/env python3
"""
test_cli.py - tandem.exe's commands end to end under Wine (issue 8 points 1-2).

Usage: test_cli.py BUILD_DIR. Runs BUILD_DIR/bin/tandem.exe through toolchain/wine-run (the
build's Wine prefix, where the wine fixture registered minimapi). Two profiles, alice and bob,
share one drop root in a fresh temporary folder; alice sends bob a message with an attachment,
and every command is exercised with its readable and --json output, its exit codes and --help.
Prints "N passed, N failed" and exits 1 on any failure.
"""
import email
import email.policy
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
passed = failed = 0


def report(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}")
        if detail:
            for line in str(detail).splitlines()[:12]:
                print(f"     {line}")


def winpath(p):
    return "Z:" + p.replace("/", "\\")


class Tandem:
    def __init__(self, build):
        self.cmd = [os.path.join(TOP, "toolchain", "wine-run"), build,
                    os.path.join(build, "bin", "tandem.exe")]

    def run(self, *args):
        r = subprocess.run(self.cmd + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=240)
        return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")

    def json(self, *args):
        rc, out, err = self.run(*args, "--json")
        try:
            return rc, json.loads(out), err
        except ValueError as e:
            return rc, None, f"not JSON ({e}): {out[:300]} {err}"


def main():
    if len(sys.argv) != 2:
        print("usage: test_cli.py BUILD_DIR")
        return 2
    build = os.path.abspath(sys.argv[1])
    t = Tandem(build)
    tmp = tempfile.mkdtemp(prefix="tandem-cli-")
    drop = os.path.join(tmp, "drop")
    try:
        run_all(t, tmp, drop)
    finally:
        for p in ("cli-alice", "cli-bob"):
            t.run("profile", "delete", p)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def run_all(t, tmp, drop):
    # ---- help and usage -----------------------------------------------------------------------
    for cmd in (["--help"], ["profile", "--help"], ["profile", "create", "--help"],
                ["profile", "list", "--help"], ["profile", "show", "--help"],
                ["profile", "delete", "--help"], ["send", "--help"], ["sync", "--help"],
                ["ls", "--help"], ["show", "--help"], ["export", "--help"], ["import", "--help"],
                ["check", "--help"], ["install", "--help"], ["uninstall", "--help"],
                ["help", "send"]):
        rc, out, err = t.run(*cmd)
        report(f"help: tandem {' '.join(cmd)}", rc == 0 and "usage:" in out, f"rc={rc} {out[:200]} {err}")
    rc, out, err = t.run("frobnicate")
    report("usage: unknown command exits 2", rc == 2, f"rc={rc} {err}")
    rc, out, err = t.run("ls", "--bogus")
    report("usage: unknown option exits 2", rc == 2, f"rc={rc} {err}")
    rc, out, err = t.run("send", "--subject", "x")
    report("usage: send without recipients exits 2", rc == 2, f"rc={rc} {err}")
    rc, out, err = t.run("profile", "create")
    report("usage: profile create without a name exits 2", rc == 2, f"rc={rc} {err}")

    # ---- profiles -----------------------------------------------------------------------------
    for p in ("cli-alice", "cli-bob"):
        t.run("profile", "delete", p)
    rc, out, err = t.run("profile", "create", "cli-alice", "--store", winpath(os.path.join(tmp, "alice.tandem")),
                         "--name", "Alice", "--email", "alice@cli.test", "--drop-root", winpath(drop))
    report("profile create alice", rc == 0 and "created" in out, f"rc={rc} {out} {err}")
    rc, js, err = t.json("profile", "create", "cli-bob", "--store", winpath(os.path.join(tmp, "bob.tandem")),
                         "--name", "Bob", "--email", "bob@cli.test", "--drop-root", winpath(drop),
                         "--smtp-user", "bob", "--smtp-password", "s3cret-pw")
    report("profile create bob --json", rc == 0 and js and js.get("created") is True, f"rc={rc} {js} {err}")
    rc, out, err = t.run("profile", "create", "cli-bob", "--store", winpath(os.path.join(tmp, "x.tandem")))
    report("profile create of an existing profile fails (1)", rc == 1, f"rc={rc} {err}")
    rc, out, err = t.run("profile", "create", "cli-x", "--smtp-port", "99999")
    report("profile create with a bad port exits 2", rc == 2, f"rc={rc} {err}")
    rc, out, err = t.run("profile", "list")
    report("profile list", rc == 0 and "cli-alice" in out and "cli-bob" in out, out)
    rc, js, err = t.json("profile", "list")
    names = [p["name"] for p in (js or {}).get("profiles", [])]
    report("profile list --json", rc == 0 and "cli-alice" in names and "cli-bob" in names, f"{js} {err}")
    rc, out, err = t.run("profile", "show", "cli-bob")
    report("profile show", rc == 0 and "bob@cli.test" in out and "drop_root" in out and "s3cret" not in out,
           out + err)
    rc, js, err = t.json("profile", "show", "cli-bob")
    report("profile show --json (no secrets)", rc == 0 and js and js.get("email") == "bob@cli.test"
           and js.get("smtp_user") == "bob" and "s3cret" not in json.dumps(js), f"{js} {err}")
    rc, out, err = t.run("profile", "show", "cli-nobody")
    report("profile show of a missing profile exits 3", rc == 3, f"rc={rc} {err}")
    rc, out, err = t.run("profile", "delete", "cli-nobody")
    report("profile delete of a missing profile exits 3", rc == 3, f"rc={rc} {err}")

    # ---- send and sync ------------------------------------------------------------------------
    attachment = bytes(range(256)) * 40 + b"tandem attachment end\r\n"
    att_path = os.path.join(tmp, "report.bin")
    with open(att_path, "wb") as f:
        f.write(attachment)
    rc, js, err = t.json("sync", "--profile", "cli-bob")      # bob's mailbox exists before alice sends
    report("sync bob --json (before)", rc == 0 and js and "outbox_before" in js and js.get("status"), f"rc={rc} {js} {err}")
    rc, out, err = t.run("send", "--profile", "cli-alice", "--to", "bob@cli.test", "--subject", "Quarterly report",
                         "--body", "Hello Bob, the report is attached.", "--attach", winpath(att_path))
    report("send alice -> bob with an attachment", rc == 0 and "submitted" in out, f"rc={rc} {out} {err}")
    rc, js, err = t.json("send", "--profile", "cli-alice", "--to", "bob@cli.test", "--cc", "alice@cli.test",
                         "--subject", "HTML note", "--body", "<p>Hi <b>Bob</b></p>", "--html")
    report("send --html --cc --json", rc == 0 and js and js.get("submitted") is True, f"rc={rc} {js} {err}")
    rc, out, err = t.run("send", "--profile", "cli-alice", "--to", "bob@cli.test", "--attach", winpath(tmp + "/missing.bin"))
    report("send with a missing attachment exits 3", rc == 3, f"rc={rc} {err}")
    rc, out, err = t.run("send", "--profile", "cli-nobody", "--to", "bob@cli.test")
    report("send with a missing profile exits 3", rc == 3, f"rc={rc} {err}")
    rc, out, err = t.run("sync", "--profile", "cli-alice")
    report("sync alice", rc == 0 and "outbox" in out and "status" in out, f"rc={rc} {out} {err}")
    rc, js, err = t.json("sync", "--profile", "cli-bob")
    report("sync bob --json", rc == 0 and js and js.get("flush") == "S_OK" and js.get("outbox_after") == 0,
           f"rc={rc} {js} {err}")

    # ---- ls -----------------------------------------------------------------------------------
    rc, js, err = t.json("ls", "Inbox", "--profile", "cli-bob", "--columns", "subject,from,size,attach")
    msgs = (js or {}).get("messages", [])
    subjects = [m.get("subject") for m in msgs]
    report("DELIVERY: bob's Inbox holds both messages", rc == 0 and "Quarterly report" in subjects
           and "HTML note" in subjects, f"rc={rc} {js} {err}")
    rc, out, err = t.run("ls", "--profile", "cli-bob")
    report("ls (readable, default Inbox)", rc == 0 and "Quarterly report" in out and "entryid" in out, out + err)
    rc, js, err = t.json("ls", "Inbox", "--profile", "cli-bob", "--sort", "subject", "--columns", "subject")
    s_asc = [m.get("subject") for m in (js or {}).get("messages", [])]
    rc2, js2, err2 = t.json("ls", "Inbox", "--profile", "cli-bob", "--sort", "subject:desc", "--columns", "subject")
    s_desc = [m.get("subject") for m in (js2 or {}).get("messages", [])]
    report("ls --sort subject / subject:desc", rc == 0 and rc2 == 0 and s_asc == sorted(s_asc) and s_desc == s_asc[::-1]
           and len(s_asc) >= 2, f"{s_asc} {s_desc} {err} {err2}")
    rc, js, err = t.json("ls", "Inbox", "--profile", "cli-bob", "--search", "QUARTERLY")
    found = [m.get("subject") for m in (js or {}).get("messages", [])]
    report("ls --search (case ignored, substring)", rc == 0 and found == ["Quarterly report"], f"{js} {err}")
    rc, js, err = t.json("ls", "Inbox", "--profile", "cli-bob", "--search", "no-such-text-anywhere")
    report("ls --search with no match", rc == 0 and js and js.get("total") == 0, f"{js} {err}")
    rc, js, err = t.json("ls", "Inbox", "--profile", "cli-bob", "--sort", "subject", "--limit", "1", "--offset", "1",
                         "--columns", "subject")
    page = (js or {}).get("messages", [])
    report("ls --limit 1 --offset 1", rc == 0 and len(page) == 1 and page[0].get("index") == 2
           and s_asc[1:2] == [page[0].get("subject")], f"{js} {err}")
    rc, out, err = t.run("ls", "No Such Folder", "--profile", "cli-bob")
    report("ls of a missing folder exits 3", rc == 3, f"rc={rc} {err}")
    rc, out, err = t.run("ls", "Inbox", "--sort", "nonsense", "--profile", "cli-bob")
    report("ls --sort with an unknown column exits 2", rc == 2, f"rc={rc} {err}")
    rc, js, err = t.json("ls", "Sent Items", "--profile", "cli-alice", "--columns", "subject")
    sent = [m.get("subject") for m in (js or {}).get("messages", [])]
    report("DELIVERY: alice's Sent Items keeps the copies", rc == 0 and "Quarterly report" in sent, f"{js} {err}")

    # ---- show ---------------------------------------------------------------------------------
    rc, js, err = t.json("ls", "Inbox", "--profile", "cli-bob", "--search", "Quarterly")
    eid = ((js or {}).get("messages") or [{}])[0].get("entryid")
    save = os.path.join(tmp, "saved")
    rc, out, err = t.run("show", eid or "00", "--profile", "cli-bob", "--save-attachments", winpath(save))
    saved = os.path.join(save, "report.bin")
    same = os.path.exists(saved) and open(saved, "rb").read() == attachment
    report("show ENTRYID --save-attachments (bytes identical)", rc == 0 and "Quarterly report" in out and same,
           f"rc={rc} same={same} {out[-300:]} {err}")
    rc, js, err = t.json("show", eid or "00", "--profile", "cli-bob")
    ok = (rc == 0 and js and any(r.get("address") == "bob@cli.test" for r in js.get("recipients", []))
          and any(a.get("name") == "report.bin" for a in js.get("attachments", []))
          and "Hello Bob" in (js.get("body") or ""))
    report("show --json: properties, recipients, attachments, body", ok, f"rc={rc} {str(js)[:400]} {err}")
    rc, out, err = t.run("show", "Inbox:1", "--profile", "cli-bob")
    report("show FOLDER:INDEX", rc == 0 and "properties" in out and "recipients" in out, f"rc={rc} {err}")
    rc, out, err = t.run("show", "Inbox:999", "--profile", "cli-bob")
    report("show of a missing index exits 3", rc == 3, f"rc={rc} {err}")
    rc, out, err = t.run("show", "zz-not-hex", "--profile", "cli-bob")
    report("show of a bad entry ID exits 3", rc == 3, f"rc={rc} {err}")

    # ---- export -------------------------------------------------------------------------------
    exp = os.path.join(tmp, "export")
    rc, js, err = t.json("export", "Inbox", winpath(exp), "--profile", "cli-bob", "--quiet")
    files = sorted(os.listdir(exp)) if os.path.isdir(exp) else []
    parsed = []
    for name in files:
        with open(os.path.join(exp, name), "rb") as f:
            parsed.append(email.message_from_binary_file(f, policy=email.policy.default))
    subjects = [m["subject"] for m in parsed]
    report("export Inbox: one RFC 5322 file per message, parsed by Python's email",
           rc == 0 and js and js.get("exported") == len(files) and "Quarterly report" in subjects
           and "progress" not in err, f"rc={rc} {js} {subjects} {err}")
    got_att = [p.get_content() for m in parsed for p in m.iter_attachments() if p.get_filename() == "report.bin"]
    report("export: the attachment round-trips", got_att == [attachment], f"{len(got_att)} attachment(s)")
    rc, out, err = t.run("export", "Inbox", "--profile", "cli-bob")
    report("export without DIR exits 2", rc == 2, f"rc={rc} {err}")

    # ---- import -------------------------------------------------------------------------------
    rc, js, err = t.json("ls", "Inbox", "--profile", "cli-alice")
    before = (js or {}).get("total", -1)
    one = os.path.join(exp, files[0]) if files else os.path.join(tmp, "none.eml")
    rc, out, err = t.run("import", winpath(one), "--profile", "cli-alice", "--progress")
    report("import FILE.eml (progress bar on stderr)", rc == 0 and "imported 1" in out and "importing [" in err
           and "100%" in err, f"rc={rc} {out} {err}")
    rc, js, err = t.json("import", winpath(exp), "--profile", "cli-alice", "--quiet")
    report("import DIR --quiet (no bar)", rc == 0 and js and js.get("imported") == len(files) and "importing" not in err,
           f"rc={rc} {js} {err}")
    mbox = os.path.join(tmp, "box.mbox")
    with open(mbox, "wb") as f:
        for i in range(3):
            f.write(b"From someone@example.test Mon Jan  1 00:00:00 2024\n"
                    b"From: Someone <someone@example.test>\nTo: alice@cli.test\n"
                    b"Subject: mbox message %d\nMessage-ID: <mbox%d@example.test>\n\n"
                    b"line one\n>From the escaped line\n\n" % (i, i))
    rc, js, err = t.json("import", winpath(mbox), "--folder", "Inbox", "--profile", "cli-alice")
    report("import FILE.mbox (3 messages)", rc == 0 and js and js.get("imported") == 3, f"rc={rc} {js} {err}")
    rc, js, err = t.json("ls", "Inbox", "--profile", "cli-alice")
    report("import: counts add up in the folder", js and js.get("total") == before + 1 + len(files) + 3,
           f"before={before} after={(js or {}).get('total')} files={len(files)}")
    rc, js, err = t.json("ls", "Inbox", "--profile", "cli-alice", "--search", "mbox message 1")
    e2 = ((js or {}).get("messages") or [{}])[0].get("entryid")
    rc, js, err = t.json("show", e2 or "00", "--profile", "cli-alice")
    report("import mbox: >From unescaped", rc == 0 and js and "\nFrom the escaped line" in (js.get("body") or "").replace("\r\n", "\n"),
           f"{(js or {}).get('body')!r} {err}")
    rc, out, err = t.run("import", winpath(os.path.join(tmp, "missing.eml")), "--profile", "cli-alice")
    report("import of a missing file exits 3", rc == 3, f"rc={rc} {err}")

    # ---- check --------------------------------------------------------------------------------
    rc, out, err = t.run("check", "--profile", "cli-bob")
    report("check", rc == 0 and "integrity   ok" in out, f"rc={rc} {out} {err}")
    rc, js, err = t.json("check", "--profile", "cli-bob")
    report("check --json", rc == 0 and js and js.get("integrity") == "ok" and all(f["ok"] for f in js.get("folders", [])),
           f"{js} {err}")
    # damage: the Drafts row of the special-folder table goes (no process has the store open now)
    db = sqlite3.connect(os.path.join(tmp, "bob.tandem"))
    db.execute("DELETE FROM special_folders WHERE role = 7")
    db.commit()
    db.close()
    rc, js, err = t.json("check", "--profile", "cli-bob", "--repair")
    report("check --repair on a store without its Drafts row", rc == 0 and js and
           all(f["ok"] for f in js.get("folders", [])), f"rc={rc} {js} {err}")
    rc, js, err = t.json("check", "--profile", "cli-bob")
    report("check after repair is clean", rc == 0 and js and js.get("integrity") == "ok", f"{js} {err}")

    # ---- install / uninstall -------------------------------------------------------------------
    inf = os.path.join(tmp, "MAPISVC.INF")
    original = ("[Services]\r\nMSEMS=Microsoft Exchange Server\r\n\r\n[MSEMS]\r\nPR_DISPLAY_NAME=Exchange\r\n"
                "Providers=EMS_DSA\r\n\r\n[EMS_DSA]\r\nPR_PROVIDER_DLL_NAME=emsabp.dll\r\n")
    with open(inf, "w", newline="") as f:
        f.write(original)
    rc, js, err = t.json("install", "--mapisvc", winpath(inf))
    text = open(inf, newline="").read()
    ok = (rc == 0 and js and js.get("installed") and os.path.exists(inf + ".tandem-backup")
          and open(inf + ".tandem-backup", newline="").read() == original
          and "TANDEM=Tandem Mail" in text and "[TANDEM_MS]" in text and "[TANDEM_XP]" in text
          and "MSEMS=Microsoft Exchange Server" in text and "[EMS_DSA]" in text)
    dll_lines = [l for l in text.splitlines() if l.startswith(("PR_SERVICE_DLL_NAME=", "PR_PROVIDER_DLL_NAME="))
                 and "emsabp" not in l]
    ok = ok and len(dll_lines) == 3 and all(l.endswith("\\tandem.dll") and ":" in l for l in dll_lines)
    report("install --mapisvc: sections merged, full DLL paths, backup kept", ok, f"rc={rc} {js} {err}\n{text}")
    rc, out, err = t.run("install", "--mapisvc", winpath(inf))
    text2 = open(inf, newline="").read()
    report("install twice: one copy of our sections", rc == 0 and text2.count("[TANDEM]") == 1
           and text2.count("TANDEM=Tandem Mail") == 1, f"rc={rc} {err}\n{text2}")
    rc, js, err = t.json("uninstall", "--mapisvc", winpath(inf))
    text3 = open(inf, newline="").read()
    report("uninstall --mapisvc: our sections gone, the rest kept", rc == 0 and "TANDEM" not in text3
           and "[EMS_DSA]" in text3 and "MSEMS=" in text3 and not os.path.exists(inf + ".tandem-backup"),
           f"rc={rc} {js} {err}\n{text3}")
    t.run("install", "--mapisvc", winpath(inf))
    rc, out, err = t.run("uninstall", "--mapisvc", winpath(inf), "--restore")
    report("uninstall --restore puts the backup back", rc == 0 and open(inf, newline="").read() == text3
           and not os.path.exists(inf + ".tandem-backup"), f"rc={rc} {err}")
    rc, out, err = t.run("install", "--mapisvc", winpath(os.path.join(tmp, "nothere", "MAPISVC.INF")))
    report("install into a missing file exits 3", rc == 3, f"rc={rc} {err}")
    rc, js, err = t.json("install", "--wine")
    report("install --wine (DllRegisterServer)", rc == 0 and js and "registered" in js, f"rc={rc} {js} {err}")

    # ---- profile delete -----------------------------------------------------------------------
    for p in ("cli-alice", "cli-bob"):
        rc, out, err = t.run("profile", "delete", p)
        report(f"profile delete {p}", rc == 0, f"rc={rc} {err}")
    rc, js, err = t.json("profile", "list")
    names = [p["name"] for p in (js or {}).get("profiles", [])]
    report("profile list after delete", rc == 0 and "cli-alice" not in names and "cli-bob" not in names, f"{js}")


if __name__ == "__main__":
    sys.exit(main())
