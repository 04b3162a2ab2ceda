/*
 * cmd_send.c - `tandem send` and `tandem sync` (issue 8 point 1). send builds a message in the
 * Outbox (recipients resolved by IAddrBook::ResolveName, attachments by value, a copy kept in
 * Sent Items through PR_SENTMAIL_ENTRYID) and submits it with IMessage::SubmitMessage. sync
 * calls FlushQueues(FLUSH_UPLOAD | FLUSH_DOWNLOAD) on the spooler's status object from the
 * session's status table (imapistatus-flushqueues.md) and waits until the Outbox is empty or
 * the timeout passes, then reports the queue before and after and every status row's string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapiclient.h"
#include "mapicli.h"
#include "mapimime.h"
#include "tandem/mapiext.h"

#define MAX_RECIPS 256
#define MAX_ATTACH 64
#define ATTACH_LIMIT (256u << 20)

typedef struct recip_arg { const char *text; LONG type; } recip_arg;

static HRESULT add_attachment(IMessage *msg, const char *path, char *err, size_t errlen)
{
    IAttach *att = NULL;
    SPropValue v[3];
    ULONG num = 0;
    char *data = NULL, *base;
    size_t len = 0;
    WCHAR *wname;
    HRESULT hr;

    if (read_file(path, ATTACH_LIMIT, &data, &len, err, errlen)) return MAPI_E_NOT_FOUND;
    base = (char *)path + strlen(path);
    while (base > path && base[-1] != '/' && base[-1] != '\\') base--;
    wname = wide_from_utf8(base);
    hr = msg->lpVtbl->CreateAttach(msg, NULL, 0, &num, &att);
    if (SUCCEEDED(hr)) {
        v[0].ulPropTag = PR_ATTACH_METHOD;
        v[0].Value.l = ATTACH_BY_VALUE;
        v[1].ulPropTag = PR_ATTACH_LONG_FILENAME_W;
        v[1].Value.lpszW = wname;
        v[2].ulPropTag = PR_ATTACH_DATA_BIN;
        v[2].Value.bin.cb = (ULONG)len;
        v[2].Value.bin.lpb = (BYTE *)data;
        hr = att->lpVtbl->SetProps(att, 3, v, NULL);
    }
    if (SUCCEEDED(hr)) hr = att->lpVtbl->SaveChanges(att, 0);
    if (FAILED(hr)) snprintf(err, errlen, "attaching %s: %s", path, hr_name(hr));
    if (att) att->lpVtbl->Release(att);
    free(wname);
    free(data);
    return hr;
}

/* Resolve the recipients through the session's address book and set them on msg. On an
 * unresolved or ambiguous name *bad names it. */
static HRESULT set_recipients(cli_session *s, IMessage *msg, const recip_arg *r, ULONG n, const char **bad)
{
    IAddrBook *ab = NULL;
    ADRLIST *list = NULL;
    WCHAR **names = calloc(n ? n : 1, sizeof(WCHAR *));
    HRESULT hr;
    ULONG i;

    *bad = NULL;
    if (!names) return MAPI_E_NOT_ENOUGH_MEMORY;
    if (FAILED(hr = s->session->lpVtbl->OpenAddressBook(s->session, 0, NULL, AB_NO_DIALOG, &ab))) goto done;
    if (FAILED(hr = MAPIAllocateBuffer(CbNewADRLIST(n), (void **)&list))) goto done;
    memset(list, 0, CbNewADRLIST(n));
    list->cEntries = n;
    for (i = 0; i < n; i++) {
        SPropValue *v;
        names[i] = wide_from_utf8(r[i].text);
        /* each entry's properties are their own block: ResolveName replaces them */
        if (FAILED(hr = MAPIAllocateBuffer(2 * sizeof(SPropValue), (void **)&v))) goto done;
        list->aEntries[i].cValues = 2;
        list->aEntries[i].rgPropVals = v;
        v[0].ulPropTag = PR_DISPLAY_NAME_W;
        v[0].Value.lpszW = names[i];
        v[1].ulPropTag = PR_RECIPIENT_TYPE;
        v[1].Value.l = r[i].type;
    }
    hr = ab->lpVtbl->ResolveName(ab, 0, MAPI_UNICODE, NULL, list);
    if (hr == MAPI_E_AMBIGUOUS_RECIP || hr == MAPI_E_NOT_FOUND) {
        for (i = 0; i < n && !*bad; i++)
            if (!PpropFindProp(list->aEntries[i].rgPropVals, list->aEntries[i].cValues, PR_ENTRYID))
                *bad = r[i].text;
        goto done;
    }
    if (SUCCEEDED(hr)) hr = msg->lpVtbl->ModifyRecipients(msg, 0, list);

done:
    if (list) FreePadrlist(list);
    if (ab) ab->lpVtbl->Release(ab);
    for (i = 0; i < n; i++) free(names[i]);
    free(names);
    return hr;
}

static int run_send(int argc, char **argv)
{
    const char *arg, *profile = NULL, *subject = "", *body = NULL, *body_file = NULL, *bad = NULL;
    const char *attach[MAX_ATTACH];
    recip_arg recips[MAX_RECIPS];
    ULONG nrecips = 0, nattach = 0, n = 0, i;
    int json = 0, html = 0, rc = EXIT_OK;
    cli_session s = {0};
    IMAPIFolder *outbox = NULL;
    IMessage *msg = NULL;
    SPropValue *sent = NULL, *eid = NULL, v[6];
    WCHAR *wsubject = NULL, *wbody = NULL;
    char *file_body = NULL, err[256];
    size_t body_len = 0;
    HRESULT hr;
    opts o;

    opts_init(&o, argc, argv);
    while (opts_next(&o, &arg)) {
        LONG type = 0;
        if (opt_is(&o, arg, "--json", 0)) json = 1;
        else if (opt_is(&o, arg, "--html", 0)) html = 1;
        else if (opt_is(&o, arg, "--profile", 1)) profile = o.value;
        else if (opt_is(&o, arg, "--subject", 1)) subject = o.value;
        else if (opt_is(&o, arg, "--body", 1)) body = o.value;
        else if (opt_is(&o, arg, "--body-file", 1)) body_file = o.value;
        else if (opt_is(&o, arg, "--attach", 1)) {
            if (nattach == MAX_ATTACH) return usage_error(argv[0], "at most %d attachments", MAX_ATTACH);
            attach[nattach++] = o.value;
        }
        else if (opt_is(&o, arg, "--to", 1)) type = MAPI_TO;
        else if (opt_is(&o, arg, "--cc", 1)) type = MAPI_CC;
        else if (opt_is(&o, arg, "--bcc", 1)) type = MAPI_BCC;
        else return usage_error(argv[0], "unexpected '%s'", arg);
        if (type && !o.bad) {
            if (nrecips == MAX_RECIPS) return usage_error(argv[0], "at most %d recipients", MAX_RECIPS);
            recips[nrecips].text = o.value;
            recips[nrecips++].type = type;
        }
    }
    if (o.bad) return EXIT_USAGE;
    if (!nrecips) return usage_error(argv[0], "at least one --to, --cc or --bcc");
    if (body && body_file) return usage_error(argv[0], "--body or --body-file, not both");
    if (body_file) {
        if (read_file(body_file, 64u << 20, &file_body, &body_len, err, sizeof(err))) {
            error_line("%s: %s", body_file, err);
            return EXIT_NOT_FOUND;
        }
        body = file_body;
    }
    if (!body) body = "";

    if ((rc = cli_logon(profile, 0, &s))) goto done;
    if (FAILED(hr = cli_open_special(&s, PR_IPM_OUTBOX_ENTRYID, MAPI_MODIFY, &outbox))) {
        rc = mapi_failure("opening the Outbox", hr);
        goto done;
    }
    if (FAILED(hr = outbox->lpVtbl->CreateMessage(outbox, NULL, 0, &msg))) {
        rc = mapi_failure("CreateMessage", hr);
        goto done;
    }
    wsubject = wide_from_utf8(subject);
    v[n].ulPropTag = PR_MESSAGE_CLASS_W;
    v[n++].Value.lpszW = (WCHAR *)L"IPM.Note";
    v[n].ulPropTag = PR_SUBJECT_W;
    v[n++].Value.lpszW = wsubject;
    if (html) {
        /* the HTML body as UTF-8 bytes; the codec writes text/html (and its own text part) */
        v[n].ulPropTag = PR_HTML;
        v[n].Value.bin.cb = (ULONG)strlen(body);
        v[n++].Value.bin.lpb = (BYTE *)body;
        v[n].ulPropTag = PR_INTERNET_CPID;
        v[n++].Value.l = 65001;
    } else {
        wbody = wide_from_utf8(body);
        v[n].ulPropTag = PR_BODY_W;
        v[n++].Value.lpszW = wbody;
    }
    if (SUCCEEDED(HrGetOneProp((IMAPIProp *)s.mdb, PR_IPM_SENTMAIL_ENTRYID, &sent))) {
        v[n] = *sent;
        v[n++].ulPropTag = PR_SENTMAIL_ENTRYID;
    }
    if (FAILED(hr = msg->lpVtbl->SetProps(msg, n, v, NULL))) {
        rc = mapi_failure("SetProps", hr);
        goto done;
    }
    if (FAILED(hr = set_recipients(&s, msg, recips, nrecips, &bad))) {
        if (bad) {
            error_line("recipient '%s' is not resolved (%s)", bad, hr_name(hr));
            rc = EXIT_NOT_FOUND;
        } else {
            rc = mapi_failure("resolving recipients", hr);
        }
        goto done;
    }
    for (i = 0; i < nattach; i++)
        if (FAILED(hr = add_attachment(msg, attach[i], err, sizeof(err)))) {
            error_line("%s: %s", attach[i], err);
            rc = exit_for_hr(hr);
            goto done;
        }
    /* the entry ID before submitting: a submitted message may not be read */
    if (FAILED(hr = msg->lpVtbl->SaveChanges(msg, KEEP_OPEN_READWRITE))) {
        rc = mapi_failure("SaveChanges", hr);
        goto done;
    }
    HrGetOneProp((IMAPIProp *)msg, PR_ENTRYID, &eid);
    if (FAILED(hr = msg->lpVtbl->SubmitMessage(msg, 0))) {
        rc = mapi_failure("SubmitMessage", hr);
        goto done;
    }
    {
        char *hex = eid ? hex_encode(eid->Value.bin.lpb, eid->Value.bin.cb) : NULL;
        if (json) {
            out_json j;
            out_json_begin(&j);
            jw_begin_object(&j.w);
            jw_key(&j.w, "submitted");
            jw_bool(&j.w, 1);
            jw_key(&j.w, "entryid");
            jw_cstring(&j.w, hex);
            jw_key(&j.w, "recipients");
            jw_int(&j.w, nrecips);
            jw_key(&j.w, "attachments");
            jw_int(&j.w, nattach);
            jw_end_object(&j.w);
            out_json_end(&j);
        } else {
            printf("submitted \"%s\" to %lu recipient(s) with %lu attachment(s)\n", subject,
                   (unsigned long)nrecips, (unsigned long)nattach);
        }
        free(hex);
    }

done:
    MAPIFreeBuffer(eid);
    MAPIFreeBuffer(sent);
    if (msg) msg->lpVtbl->Release(msg);
    if (outbox) outbox->lpVtbl->Release(outbox);
    cli_logoff(&s);
    free(wsubject);
    free(wbody);
    free(file_body);
    return rc;
}

/* ---- sync ------------------------------------------------------------------------------------- */


static void count_folder(cli_session *s, ULONG tag, ULONG *n)
{
    IMAPIFolder *f = NULL;
    *n = 0;
    if (SUCCEEDED(cli_open_special(s, tag, 0, &f))) {
        cli_count(f, n);
        f->lpVtbl->Release(f);
    }
}

static int run_sync(int argc, char **argv)
{
    static const SizedSPropTagArray(4, cols) = {4, {PR_DISPLAY_NAME_W, PR_RESOURCE_TYPE, PR_STATUS_CODE,
                                                    PR_STATUS_STRING_W}};
    const char *arg, *profile = NULL;
    int json = 0, rc = EXIT_OK;
    long timeout = 30;
    cli_session s = {0};
    IMAPIStatus *st = NULL;
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    ULONG out_before, out_after, in_before, in_after, i, waited = 0;
    HRESULT hr = S_OK, flush_hr;
    opts o;

    opts_init(&o, argc, argv);
    while (opts_next(&o, &arg)) {
        if (opt_is(&o, arg, "--json", 0)) json = 1;
        else if (opt_is(&o, arg, "--profile", 1)) profile = o.value;
        else if (opt_is(&o, arg, "--timeout", 1)) timeout = atol(o.value);
        else return usage_error(argv[0], "unexpected '%s'", arg);
    }
    if (o.bad) return EXIT_USAGE;
    if ((rc = cli_logon(profile, 0, &s))) return rc;
    count_folder(&s, PR_IPM_OUTBOX_ENTRYID, &out_before);
    count_folder(&s, 0, &in_before);
    if (FAILED(hr = mapiclient_spooler_status(s.session, &st))) {
        rc = mapi_failure("finding the spooler in the status table", hr);
        goto done;
    }
    /* FlushQueues returns when the spooler has done the work; the Outbox may still hold what
     * a transport deferred, so flush again until it is empty or the time is up */
    for (;;) {
        flush_hr = st->lpVtbl->FlushQueues(st, 0, 0, NULL, FLUSH_UPLOAD | FLUSH_DOWNLOAD | FLUSH_FORCE | FLUSH_NO_UI);
        count_folder(&s, PR_IPM_OUTBOX_ENTRYID, &out_after);
        if (FAILED(flush_hr) || !out_after || waited >= (ULONG)timeout * 1000) break;
        Sleep(200);
        waited += 200;
    }
    count_folder(&s, 0, &in_after);
    hr = s.session->lpVtbl->GetStatusTable(s.session, 0, &t);
    if (SUCCEEDED(hr)) hr = HrQueryAllRows(t, (SPropTagArray *)&cols, NULL, NULL, 0, &rows);
    if (json) {
        out_json j;
        out_json_begin(&j);
        jw_begin_object(&j.w);
        jw_key(&j.w, "flush");
        jw_cstring(&j.w, hr_name(flush_hr));
        jw_key(&j.w, "outbox_before");
        jw_int(&j.w, out_before);
        jw_key(&j.w, "outbox_after");
        jw_int(&j.w, out_after);
        jw_key(&j.w, "inbox_before");
        jw_int(&j.w, in_before);
        jw_key(&j.w, "inbox_after");
        jw_int(&j.w, in_after);
        jw_key(&j.w, "status");
        jw_begin_array(&j.w);
        for (i = 0; rows && i < rows->cRows; i++) {
            SPropValue *v = rows->aRow[i].lpProps;
            jw_begin_object(&j.w);
            jw_key(&j.w, "name");
            jw_wstring(&j.w, v[0].ulPropTag == PR_DISPLAY_NAME_W ? v[0].Value.lpszW : L"");
            jw_key(&j.w, "resource_type");
            jw_int(&j.w, v[1].ulPropTag == PR_RESOURCE_TYPE ? v[1].Value.l : 0);
            jw_key(&j.w, "status_code");
            jw_int(&j.w, v[2].ulPropTag == PR_STATUS_CODE ? v[2].Value.l : 0);
            jw_key(&j.w, "status");
            if (v[3].ulPropTag == PR_STATUS_STRING_W) jw_wstring(&j.w, v[3].Value.lpszW);
            else jw_null(&j.w);
            jw_end_object(&j.w);
        }
        jw_end_array(&j.w);
        jw_end_object(&j.w);
        out_json_end(&j);
    } else {
        printf("flush       %s\noutbox      %lu queued before, %lu after\ninbox       %lu before, %lu after (%ld new)\n",
               hr_name(flush_hr), (unsigned long)out_before, (unsigned long)out_after,
               (unsigned long)in_before, (unsigned long)in_after, (long)in_after - (long)in_before);
        for (i = 0; rows && i < rows->cRows; i++) {
            SPropValue *v = rows->aRow[i].lpProps;
            printf("status      %ls: %ls\n", v[0].ulPropTag == PR_DISPLAY_NAME_W ? v[0].Value.lpszW : L"?",
                   v[3].ulPropTag == PR_STATUS_STRING_W ? v[3].Value.lpszW : L"(no status string)");
        }
    }
    if (FAILED(flush_hr)) rc = mapi_failure("FlushQueues", flush_hr);
    else if (out_after) {
        error_line("%lu message(s) still in the Outbox after %ld s", (unsigned long)out_after, timeout);
        rc = EXIT_FAILED;
    }

done:
    if (rows) FreeProws(rows);
    if (t) t->lpVtbl->Release(t);
    if (st) st->lpVtbl->Release(st);
    cli_logoff(&s);
    return rc;
}

const command send_command = {
    "send", "compose a message and submit it through MAPI",
    "usage: tandem send [--profile P] --to ADDR [--to ADDR...] [--cc ADDR...] [--bcc ADDR...]\n"
    "           [--subject TEXT] [--body TEXT | --body-file FILE] [--html] [--attach FILE...] [--json]\n"
    "\n"
    "Recipients are resolved by the profile's address book (IAddrBook::ResolveName); a bare\n"
    "SMTP address becomes a one-off. --html sends the body as HTML. The message is submitted\n"
    "(IMessage::SubmitMessage) with a copy kept in Sent Items; 'tandem sync' pushes it out now.\n"
    "Exit 3 when a recipient is not resolved or a file is missing.",
    run_send, NULL,
};

const command sync_command = {
    "sync", "flush the spooler's queues (send and receive) and report",
    "usage: tandem sync [--profile P] [--timeout SECONDS] [--json]\n"
    "\n"
    "FlushQueues(FLUSH_UPLOAD | FLUSH_DOWNLOAD) on the session's spooler status object, again\n"
    "until the Outbox is empty or the timeout (30 s) passes. Prints the Outbox and Inbox counts\n"
    "before and after and each status row's PR_STATUS_STRING. Exit 1 when messages stay queued.",
    run_sync, NULL,
};
