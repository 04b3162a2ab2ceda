/*
 * cmd_ls.c - `tandem ls [FOLDER]` and `tandem show ITEM` (issue 8 point 1). ls is a folder's
 * contents table (imapitable-*.md): SetColumns, SortTable, Restrict with RES_CONTENT
 * (FL_SUBSTRING | FL_IGNORECASE) over subject, sender and body, SeekRow + QueryRows for
 * paging. show opens one message (a hex entry ID as ls prints it, or FOLDER:INDEX with INDEX
 * as ls numbers the folder without --sort or --search) and prints its properties, recipients
 * and attachments; --save-attachments writes each attachment's bytes from PR_ATTACH_DATA_BIN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapicli.h"
#include "mapimime.h"
#include "tandem/mapiext.h"

static const struct column { const char *name; ULONG tag; int width; } columns[] = {
    { "received", PR_MESSAGE_DELIVERY_TIME, 20 },
    { "sent", PR_CLIENT_SUBMIT_TIME, 20 },
    { "from", PR_SENDER_NAME_W, 18 },
    { "sender", PR_SENDER_EMAIL_ADDRESS_W, 24 },
    { "to", PR_DISPLAY_TO_W, 20 },
    { "cc", PR_DISPLAY_CC_W, 20 },
    { "subject", PR_SUBJECT_W, 32 },
    { "size", PR_MESSAGE_SIZE, 8 },
    { "class", PR_MESSAGE_CLASS_W, 16 },
    { "flags", PR_MESSAGE_FLAGS, 6 },
    { "attach", PR_HASATTACH, 6 },
    { "entryid", PR_ENTRYID, 0 },
};

static const struct column *find_column(const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < ARRAYSIZE(columns); i++)
        if (strlen(columns[i].name) == len && !_strnicmp(columns[i].name, name, len)) return &columns[i];
    return NULL;
}

static void put_cell(json_writer *w, strbuf *line, const struct column *c, const SPropValue *v)
{
    strbuf b = {0};
    int missing = PROP_TYPE(v->ulPropTag) == PT_ERROR;

    if (!missing) prop_text(&b, v, 1024);
    if (w) {
        jw_key(w, c->name);
        if (missing) jw_null(w);
        else if (PROP_TYPE(c->tag) == PT_LONG) jw_int(w, v->Value.l);
        else if (PROP_TYPE(c->tag) == PT_BOOLEAN) jw_bool(w, v->Value.b);
        else jw_cstring(w, b.data ? b.data : "");
    } else {
        const char *s = missing ? "" : b.data ? b.data : "";
        if (c->width) sb_printf(line, "%-*.*s  ", c->width, c->width, s);
        else sb_printf(line, "%s  ", s);
    }
    sb_free(&b);
}

static int run_ls(int argc, char **argv)
{
    const char *arg, *profile = NULL, *folder = NULL, *sort = NULL, *search = NULL, *cols_arg = NULL;
    const struct column *sel[ARRAYSIZE(columns) + 1];
    ULONG nsel = 0, total = 0, i, k, want;
    long limit = -1, offset = 0;
    int json = 0, rc = EXIT_OK;
    cli_session s = {0};
    IMAPIFolder *f = NULL;
    IMAPITable *t = NULL;
    SRowSet *rows = NULL;
    SPropTagArray *tags = NULL;
    WCHAR *wsearch = NULL;
    HRESULT hr;
    opts o;

    opts_init(&o, argc, argv);
    while (opts_next(&o, &arg)) {
        if (opt_is(&o, arg, "--json", 0)) json = 1;
        else if (opt_is(&o, arg, "--profile", 1)) profile = o.value;
        else if (opt_is(&o, arg, "--sort", 1)) sort = o.value;
        else if (opt_is(&o, arg, "--search", 1)) search = o.value;
        else if (opt_is(&o, arg, "--columns", 1)) cols_arg = o.value;
        else if (opt_is(&o, arg, "--limit", 1)) limit = atol(o.value);
        else if (opt_is(&o, arg, "--offset", 1)) offset = atol(o.value);
        else if (arg[0] == '-' && arg[1]) return usage_error(argv[0], "unknown option '%s'", arg);
        else if (!folder) folder = arg;
        else return usage_error(argv[0], "one folder");
    }
    if (o.bad) return EXIT_USAGE;
    if (offset < 0 || limit < -1) return usage_error(argv[0], "--limit and --offset are not negative");
    if (!cols_arg) cols_arg = "received,from,subject,size";
    while (*cols_arg) {
        size_t len = strcspn(cols_arg, ",");
        const struct column *c = find_column(cols_arg, len);
        if (!c) return usage_error(argv[0], "unknown column '%.*s'", (int)len, cols_arg);
        if (c->tag != PR_ENTRYID) sel[nsel++] = c;
        cols_arg += len + (cols_arg[len] == ',');
    }
    sel[nsel++] = find_column("entryid", 7);

    if ((rc = cli_logon(profile, 1, &s))) return rc;
    if (FAILED(hr = cli_open_folder(&s, folder, 0, &f))) {
        rc = mapi_failure(folder ? folder : "Inbox", hr);
        goto done;
    }
    if (FAILED(hr = f->lpVtbl->GetContentsTable(f, MAPI_UNICODE, &t))) {
        rc = mapi_failure("GetContentsTable", hr);
        goto done;
    }
    if (FAILED(hr = MAPIAllocateBuffer(CbNewSPropTagArray(nsel), (void **)&tags))) goto fail;
    tags->cValues = nsel;
    for (i = 0; i < nsel; i++) tags->aulPropTag[i] = sel[i]->tag;
    if (FAILED(hr = t->lpVtbl->SetColumns(t, tags, 0))) goto fail;
    if (search) {
        static const ULONG searched[] = { PR_SUBJECT_W, PR_SENDER_NAME_W, PR_SENDER_EMAIL_ADDRESS_W, PR_BODY_W };
        SRestriction any, parts[ARRAYSIZE(searched)];
        SPropValue vals[ARRAYSIZE(searched)];
        wsearch = wide_from_utf8(search);
        for (i = 0; i < ARRAYSIZE(searched); i++) {
            vals[i].ulPropTag = searched[i];
            vals[i].Value.lpszW = wsearch;
            parts[i].rt = RES_CONTENT;
            parts[i].res.resContent.ulFuzzyLevel = FL_SUBSTRING | FL_IGNORECASE;
            parts[i].res.resContent.ulPropTag = searched[i];
            parts[i].res.resContent.lpProp = &vals[i];
        }
        any.rt = RES_OR;
        any.res.resOr.cRes = ARRAYSIZE(searched);
        any.res.resOr.lpRes = parts;
        if (FAILED(hr = t->lpVtbl->Restrict(t, &any, 0))) goto fail;
    }
    if (sort) {
        SizedSSortOrderSet(1, order) = {1, 0, 0, {{0, TABLE_SORT_ASCEND}}};
        size_t len = strcspn(sort, ":");
        const struct column *c = find_column(sort, len);
        if (!c) {
            rc = usage_error(argv[0], "unknown sort column '%.*s'", (int)len, sort);
            goto done;
        }
        if (sort[len] && _stricmp(sort + len + 1, "desc") && _stricmp(sort + len + 1, "asc")) {
            rc = usage_error(argv[0], "sort direction is asc or desc");
            goto done;
        }
        order.aSort[0].ulPropTag = c->tag;
        if (sort[len] && !_stricmp(sort + len + 1, "desc")) order.aSort[0].ulOrder = TABLE_SORT_DESCEND;
        if (FAILED(hr = t->lpVtbl->SortTable(t, (SSortOrderSet *)&order, 0))) goto fail;
    }
    if (FAILED(hr = t->lpVtbl->GetRowCount(t, 0, &total))) goto fail;
    want = (ULONG)offset >= total ? 0 : total - (ULONG)offset;
    if (limit >= 0 && (ULONG)limit < want) want = (ULONG)limit;
    if (want) {
        LONG sought = 0;
        if (FAILED(hr = t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, offset, &sought))) goto fail;
        if (FAILED(hr = t->lpVtbl->QueryRows(t, want, 0, &rows))) goto fail;
    }

    if (json) {
        out_json j;
        out_json_begin(&j);
        jw_begin_object(&j.w);
        jw_key(&j.w, "folder");
        jw_cstring(&j.w, folder ? folder : "Inbox");
        jw_key(&j.w, "total");
        jw_int(&j.w, total);
        jw_key(&j.w, "offset");
        jw_int(&j.w, offset);
        jw_key(&j.w, "messages");
        jw_begin_array(&j.w);
        for (i = 0; rows && i < rows->cRows; i++) {
            jw_begin_object(&j.w);
            jw_key(&j.w, "index");
            jw_int(&j.w, offset + i + 1);
            for (k = 0; k < nsel && k < rows->aRow[i].cValues; k++)
                put_cell(&j.w, NULL, sel[k], &rows->aRow[i].lpProps[k]);
            jw_end_object(&j.w);
        }
        jw_end_array(&j.w);
        jw_end_object(&j.w);
        out_json_end(&j);
    } else {
        strbuf line = {0};
        sb_printf(&line, "%-4s  ", "#");
        for (k = 0; k < nsel; k++) {
            if (sel[k]->width) sb_printf(&line, "%-*s  ", sel[k]->width, sel[k]->name);
            else sb_printf(&line, "%s  ", sel[k]->name);
        }
        printf("%s\n", line.data);
        for (i = 0; rows && i < rows->cRows; i++) {
            line.len = 0;
            sb_printf(&line, "%-4lu  ", (unsigned long)(offset + i + 1));
            for (k = 0; k < nsel && k < rows->aRow[i].cValues; k++)
                put_cell(NULL, &line, sel[k], &rows->aRow[i].lpProps[k]);
            printf("%s\n", line.data);
        }
        printf("(%lu of %lu message(s))\n", (unsigned long)(rows ? rows->cRows : 0), (unsigned long)total);
        sb_free(&line);
    }
    goto done;

fail:
    rc = mapi_failure("reading the contents table", hr);
done:
    if (rows) FreeProws(rows);
    MAPIFreeBuffer(tags);
    if (t) t->lpVtbl->Release(t);
    if (f) f->lpVtbl->Release(f);
    cli_logoff(&s);
    free(wsearch);
    return rc;
}

/* ---- show ------------------------------------------------------------------------------------- */

/* ITEM: hex entry ID, or FOLDER:INDEX (1-based, the folder's default order). */
static HRESULT open_item(cli_session *s, const char *item, IMessage **msg)
{
    const char *colon = strrchr(item, ':');
    ULONG cb = 0, type = 0;
    BYTE *eid = NULL;
    HRESULT hr;

    *msg = NULL;
    if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
        static const SizedSPropTagArray(1, cols) = {1, {PR_ENTRYID}};
        char *folder = _strdup(item);
        long index = atol(colon + 1);
        IMAPIFolder *f = NULL;
        IMAPITable *t = NULL;
        SRowSet *rows = NULL;
        LONG sought;

        folder[colon - item] = 0;
        hr = cli_open_folder(s, folder, 0, &f);
        free(folder);
        if (FAILED(hr)) return hr;
        if (index < 1) hr = MAPI_E_NOT_FOUND;
        if (SUCCEEDED(hr)) hr = f->lpVtbl->GetContentsTable(f, 0, &t);
        if (SUCCEEDED(hr)) hr = t->lpVtbl->SetColumns(t, (SPropTagArray *)&cols, 0);
        if (SUCCEEDED(hr)) hr = t->lpVtbl->SeekRow(t, BOOKMARK_BEGINNING, index - 1, &sought);
        if (SUCCEEDED(hr)) hr = t->lpVtbl->QueryRows(t, 1, 0, &rows);
        if (SUCCEEDED(hr) && (!rows->cRows || rows->aRow[0].lpProps[0].ulPropTag != PR_ENTRYID)) hr = MAPI_E_NOT_FOUND;
        if (SUCCEEDED(hr))
            hr = s->mdb->lpVtbl->OpenEntry(s->mdb, rows->aRow[0].lpProps[0].Value.bin.cb,
                                           (ENTRYID *)rows->aRow[0].lpProps[0].Value.bin.lpb, NULL,
                                           0, &type, (IUnknown **)msg);
        if (rows) FreeProws(rows);
        if (t) t->lpVtbl->Release(t);
        f->lpVtbl->Release(f);
    } else {
        if (!(eid = hex_decode(item, &cb))) return MAPI_E_INVALID_ENTRYID;
        hr = s->mdb->lpVtbl->OpenEntry(s->mdb, cb, (ENTRYID *)eid, NULL, 0, &type, (IUnknown **)msg);
        free(eid);
    }
    if (SUCCEEDED(hr) && type != MAPI_MESSAGE) {
        (*msg)->lpVtbl->Release(*msg);
        *msg = NULL;
        hr = MAPI_E_NOT_FOUND;
    }
    return hr;
}

/* An attachment's bytes through its PR_ATTACH_DATA_BIN stream (big ones never fit GetProps). */
static HRESULT save_attachment(IMessage *msg, ULONG num, const char *path, ULONG *written)
{
    IAttach *att = NULL;
    IStream *stm = NULL;
    FILE *f = NULL;
    WCHAR *w = NULL;
    char buf[65536];
    ULONG got;
    HRESULT hr;

    *written = 0;
    if (FAILED(hr = msg->lpVtbl->OpenAttach(msg, num, NULL, 0, &att))) return hr;
    hr = att->lpVtbl->OpenProperty(att, PR_ATTACH_DATA_BIN, &IID_IStream, 0, 0, (IUnknown **)&stm);
    if (SUCCEEDED(hr)) {
        w = wide_from_utf8(path);
        if (!w || !(f = _wfopen(w, L"wb"))) hr = MAPI_E_DISK_ERROR;
    }
    while (SUCCEEDED(hr)) {
        hr = stm->lpVtbl->Read(stm, buf, sizeof(buf), &got);
        if (FAILED(hr) || !got) break;
        if (fwrite(buf, 1, got, f) != got) hr = MAPI_E_DISK_ERROR;
        *written += got;
    }
    if (f && fclose(f) && SUCCEEDED(hr)) hr = MAPI_E_DISK_ERROR;
    free(w);
    if (stm) stm->lpVtbl->Release(stm);
    att->lpVtbl->Release(att);
    return SUCCEEDED(hr) ? S_OK : hr;
}

static void put_prop(json_writer *w, const SPropValue *v, int full)
{
    const char *name = prop_name(v->ulPropTag);
    strbuf b = {0};
    char key[64];

    snprintf(key, sizeof(key), "%s%s0x%08lX", name ? name : "", name ? " " : "", (unsigned long)v->ulPropTag);
    prop_text(&b, v, full ? 4096 : 64);
    if (w) {
        jw_key(w, key);
        if (PROP_TYPE(v->ulPropTag) == PT_LONG) jw_int(w, v->Value.l);
        else if (PROP_TYPE(v->ulPropTag) == PT_BOOLEAN) jw_bool(w, v->Value.b);
        else jw_cstring(w, b.data ? b.data : "");
    } else if (PROP_ID(v->ulPropTag) == PROP_ID(PR_BODY)) {
        printf("  %-44s (%lu characters, below)\n", key, (unsigned long)(b.len));
    } else {
        if (!full && b.len > 200) b.len = 200, b.data[200] = 0;
        printf("  %-44s %s\n", key, b.data ? b.data : "");
    }
    sb_free(&b);
}

static int run_show(int argc, char **argv)
{
    static const SizedSPropTagArray(6, rcols) = {6, {PR_RECIPIENT_TYPE, PR_DISPLAY_NAME_W, PR_EMAIL_ADDRESS_W,
                                                     PR_ADDRTYPE_W, PR_ENTRYID, PR_ROWID}};
    static const SizedSPropTagArray(5, acols) = {5, {PR_ATTACH_NUM, PR_ATTACH_LONG_FILENAME_W, PR_ATTACH_FILENAME_W,
                                                     PR_ATTACH_SIZE, PR_ATTACH_METHOD}};
    static const char *const rtypes[] = { "orig", "to", "cc", "bcc" };
    const char *arg, *profile = NULL, *item = NULL, *save_dir = NULL;
    int json = 0, rc = EXIT_OK, full = 0;
    cli_session s = {0};
    IMessage *msg = NULL;
    IMAPITable *t = NULL;
    SRowSet *rrows = NULL, *arows = NULL;
    SPropValue *props = NULL, *body = NULL;
    ULONG count = 0, i;
    json_writer *w = NULL;
    out_json j;
    HRESULT hr;
    opts o;

    opts_init(&o, argc, argv);
    while (opts_next(&o, &arg)) {
        if (opt_is(&o, arg, "--json", 0)) json = 1;
        else if (opt_is(&o, arg, "--all", 0)) full = 1;
        else if (opt_is(&o, arg, "--profile", 1)) profile = o.value;
        else if (opt_is(&o, arg, "--save-attachments", 1)) save_dir = o.value;
        else if (arg[0] == '-' && arg[1]) return usage_error(argv[0], "unknown option '%s'", arg);
        else if (!item) item = arg;
        else return usage_error(argv[0], "one item");
    }
    if (o.bad) return EXIT_USAGE;
    if (!item) return usage_error(argv[0], "which item? (an entry ID from 'tandem ls', or FOLDER:INDEX)");
    if ((rc = cli_logon(profile, 1, &s))) return rc;
    if (FAILED(hr = open_item(&s, item, &msg))) {
        rc = mapi_failure(item, hr);
        goto done;
    }
    if (FAILED(hr = msg->lpVtbl->GetProps(msg, NULL, MAPI_UNICODE, &count, &props))
        && hr != MAPI_W_ERRORS_RETURNED) {
        rc = mapi_failure("GetProps", hr);
        goto done;
    }
    HrGetOneProp((IMAPIProp *)msg, PR_BODY_W, &body);
    if (SUCCEEDED(msg->lpVtbl->GetRecipientTable(msg, MAPI_UNICODE, &t))) {
        HrQueryAllRows(t, (SPropTagArray *)&rcols, NULL, NULL, 0, &rrows);
        t->lpVtbl->Release(t);
    }
    if (SUCCEEDED(msg->lpVtbl->GetAttachmentTable(msg, MAPI_UNICODE, &t))) {
        HrQueryAllRows(t, (SPropTagArray *)&acols, NULL, NULL, 0, &arows);
        t->lpVtbl->Release(t);
    }
    if (save_dir) {
        WCHAR *wd = wide_from_utf8(save_dir);
        if (wd) CreateDirectoryW(wd, NULL);
        free(wd);
    }

    if (json) {
        out_json_begin(&j);
        w = &j.w;
        jw_begin_object(w);
        jw_key(w, "properties");
        jw_begin_object(w);
    } else {
        printf("properties\n");
    }
    for (i = 0; i < count; i++)
        if (PROP_TYPE(props[i].ulPropTag) != PT_ERROR) put_prop(w, &props[i], full);
    if (json) {
        jw_end_object(w);
        jw_key(w, "body");
        if (body) jw_wstring(w, body->Value.lpszW);
        else jw_null(w);
        jw_key(w, "recipients");
        jw_begin_array(w);
    } else {
        printf("recipients\n");
    }
    for (i = 0; rrows && i < rrows->cRows; i++) {
        SPropValue *v = rrows->aRow[i].lpProps;
        LONG type = v[0].ulPropTag == PR_RECIPIENT_TYPE ? (v[0].Value.l & ~MAPI_SUBMITTED) : 1;
        const WCHAR *name = v[1].ulPropTag == PR_DISPLAY_NAME_W ? v[1].Value.lpszW : L"";
        const WCHAR *addr = v[2].ulPropTag == PR_EMAIL_ADDRESS_W ? v[2].Value.lpszW : L"";
        const char *tname = type >= 0 && type <= 3 ? rtypes[type] : "?";
        if (json) {
            jw_begin_object(w);
            jw_key(w, "type");
            jw_cstring(w, tname);
            jw_key(w, "name");
            jw_wstring(w, name);
            jw_key(w, "address");
            jw_wstring(w, addr);
            jw_key(w, "addrtype");
            jw_wstring(w, v[3].ulPropTag == PR_ADDRTYPE_W ? v[3].Value.lpszW : L"");
            jw_end_object(w);
        } else {
            printf("  %-4s %ls <%ls>\n", tname, name, addr);
        }
    }
    if (json) {
        jw_end_array(w);
        jw_key(w, "attachments");
        jw_begin_array(w);
    } else {
        printf("attachments\n");
    }
    for (i = 0; arows && i < arows->cRows; i++) {
        SPropValue *v = arows->aRow[i].lpProps;
        const WCHAR *wname = v[1].ulPropTag == PR_ATTACH_LONG_FILENAME_W ? v[1].Value.lpszW
                           : v[2].ulPropTag == PR_ATTACH_FILENAME_W ? v[2].Value.lpszW : L"";
        char *name = utf8_from_wide(wname), *path = NULL;
        ULONG written = 0;
        HRESULT shr = S_OK;
        if (save_dir && v[0].ulPropTag == PR_ATTACH_NUM) {
            char *safe = safe_file_name(name);
            size_t n = strlen(save_dir) + strlen(safe) + 2;
            path = malloc(n);
            snprintf(path, n, "%s\\%s", save_dir, safe);
            free(safe);
            if (FAILED(shr = save_attachment(msg, v[0].Value.l, path, &written))) {
                error_line("saving attachment %s: %s", name, hr_name(shr));
                rc = EXIT_FAILED;
            }
        }
        if (json) {
            jw_begin_object(w);
            jw_key(w, "num");
            jw_int(w, v[0].ulPropTag == PR_ATTACH_NUM ? v[0].Value.l : -1);
            jw_key(w, "name");
            jw_cstring(w, name);
            jw_key(w, "size");
            jw_int(w, v[3].ulPropTag == PR_ATTACH_SIZE ? v[3].Value.l : 0);
            jw_key(w, "method");
            jw_int(w, v[4].ulPropTag == PR_ATTACH_METHOD ? v[4].Value.l : 0);
            jw_key(w, "saved_to");
            jw_cstring(w, path && SUCCEEDED(shr) ? path : NULL);
            jw_end_object(w);
        } else {
            printf("  %s (%ld bytes)%s%s\n", name ? name : "", v[3].ulPropTag == PR_ATTACH_SIZE ? (long)v[3].Value.l : 0L,
                   path && SUCCEEDED(shr) ? " saved to " : "", path && SUCCEEDED(shr) ? path : "");
        }
        free(name);
        free(path);
    }
    if (json) {
        jw_end_array(w);
        jw_end_object(w);
        out_json_end(&j);
    } else if (body) {
        printf("body\n%ls\n", body->Value.lpszW);
    }

done:
    if (rrows) FreeProws(rrows);
    if (arows) FreeProws(arows);
    MAPIFreeBuffer(props);
    MAPIFreeBuffer(body);
    if (msg) msg->lpVtbl->Release(msg);
    cli_logoff(&s);
    return rc;
}

const command ls_command = {
    "ls", "list a folder's messages (contents table)",
    "usage: tandem ls [FOLDER] [--profile P] [--columns C,C...] [--sort COL[:asc|desc]]\n"
    "           [--search TEXT] [--limit N] [--offset N] [--json]\n"
    "\n"
    "FOLDER is a name or path under the top of the store: Inbox (the default), Outbox,\n"
    "\"Sent Items\", \"Deleted Items\", Drafts, Inbox/Sub. Columns: received, sent, from, sender,\n"
    "to, cc, subject, size, class, flags, attach (entryid is always last). --search matches\n"
    "subject, sender and body, ignoring case (a RES_CONTENT FL_SUBSTRING|FL_IGNORECASE\n"
    "restriction). Rows are numbered from 1 + offset; 'tandem show FOLDER:N' opens the N-th\n"
    "message of the folder's default order (newest first).",
    run_ls, NULL,
};

const command show_command = {
    "show", "print one message: properties, recipients, attachments",
    "usage: tandem show ITEM [--profile P] [--save-attachments DIR] [--all] [--json]\n"
    "\n"
    "ITEM is an entry ID in hex as 'tandem ls' prints it, or FOLDER:INDEX (Inbox:1 is the\n"
    "newest message of the Inbox). --all prints long values whole. --save-attachments writes\n"
    "each attachment under DIR by its file name. Exit 3 when the item does not exist.",
    run_show, NULL,
};
