/*
 * cmd_check.c - `tandem check [--repair]` (issue 8 point 1): the store's own check through
 * ITandemStore::CheckIntegrity (SQLite's integrity_check and foreign_key_check, the object-tree
 * rules; idl/tandem.idl) plus what a client can see: every special folder the store names
 * opens. --repair fixes, without losing anything, what a client can fix through MAPI: a
 * missing special folder is created again under the top of the store and named where MAPI
 * looks for it (the store's or the Inbox's entry ID property).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapicli.h"
#include "tandem/mapiext.h"
#include TANDEM_IDL_H

typedef struct special { const char *name; ULONG tag; } special;

static const special specials[] = {
    { "Inbox", 0 },
    { "Outbox", PR_IPM_OUTBOX_ENTRYID },
    { "Sent Items", PR_IPM_SENTMAIL_ENTRYID },
    { "Deleted Items", PR_IPM_WASTEBASKET_ENTRYID },
    { "Drafts", PR_IPM_DRAFTS_ENTRYID },
};

/* Create the special folder again under the IPM subtree and name it where MAPI looks. */
static HRESULT repair_special(cli_session *s, const special *sp)
{
    SPropValue *top = NULL, v;
    IMAPIFolder *subtree = NULL, *created = NULL, *inbox = NULL, *root = NULL;
    SPropValue *eid = NULL;
    WCHAR *wname = wide_from_utf8(sp->name);
    ULONG type;
    HRESULT hr;

    hr = HrGetOneProp((IMAPIProp *)s->mdb, PR_IPM_SUBTREE_ENTRYID, &top);
    if (SUCCEEDED(hr))
        hr = s->mdb->lpVtbl->OpenEntry(s->mdb, top->Value.bin.cb, (ENTRYID *)top->Value.bin.lpb, NULL,
                                       MAPI_MODIFY, &type, (IUnknown **)&subtree);
    if (SUCCEEDED(hr))
        hr = subtree->lpVtbl->CreateFolder(subtree, FOLDER_GENERIC, (LPTSTR)wname, NULL, NULL,
                                           MAPI_UNICODE | OPEN_IF_EXISTS, &created);
    if (SUCCEEDED(hr)) hr = HrGetOneProp((IMAPIProp *)created, PR_ENTRYID, &eid);
    if (SUCCEEDED(hr)) {
        v.ulPropTag = sp->tag;
        v.Value.bin = eid->Value.bin;
        if (sp->tag == PR_IPM_DRAFTS_ENTRYID) {
            /* Drafts is named on the Inbox and on the root folder (pidtagipmdraftsentryid) */
            hr = cli_open_special(s, 0, MAPI_MODIFY, &inbox);
            if (SUCCEEDED(hr)) hr = HrSetOneProp((IMAPIProp *)inbox, &v);
            if (SUCCEEDED(hr)) hr = inbox->lpVtbl->SaveChanges(inbox, 0);
            if (SUCCEEDED(s->mdb->lpVtbl->OpenEntry(s->mdb, 0, NULL, NULL, MAPI_MODIFY, &type, (IUnknown **)&root))) {
                if (SUCCEEDED(HrSetOneProp((IMAPIProp *)root, &v))) root->lpVtbl->SaveChanges(root, 0);
            }
        } else if (sp->tag) {
            hr = HrSetOneProp((IMAPIProp *)s->mdb, &v);
        } else {
            hr = s->mdb->lpVtbl->SetReceiveFolder(s->mdb, (LPTSTR)"IPM", 0, eid->Value.bin.cb,
                                                  (ENTRYID *)eid->Value.bin.lpb);
        }
    }
    MAPIFreeBuffer(eid);
    MAPIFreeBuffer(top);
    if (root) root->lpVtbl->Release(root);
    if (inbox) inbox->lpVtbl->Release(inbox);
    if (created) created->lpVtbl->Release(created);
    if (subtree) subtree->lpVtbl->Release(subtree);
    free(wname);
    return hr;
}

static int run_check(int argc, char **argv)
{
    const char *arg, *profile = NULL;
    int json = 0, repair = 0, rc = EXIT_OK;
    cli_session s = {0};
    ITandemStore *ts = NULL;
    WCHAR path[MAX_PATH * 2] = L"";
    ULONG needed = 0, version = 0, store_problems = 0, folder_problems = 0, repaired = 0, i;
    HRESULT hr, check_hr;
    HRESULT folder_hr[ARRAYSIZE(specials)], repair_hr[ARRAYSIZE(specials)];
    opts o;

    opts_init(&o, argc, argv);
    while (opts_next(&o, &arg)) {
        if (opt_is(&o, arg, "--json", 0)) json = 1;
        else if (opt_is(&o, arg, "--repair", 0)) repair = 1;
        else if (opt_is(&o, arg, "--profile", 1)) profile = o.value;
        else return usage_error(argv[0], "unexpected '%s'", arg);
    }
    if (o.bad) return EXIT_USAGE;
    if ((rc = cli_logon(profile, 1, &s))) return rc;
    if (FAILED(hr = s.mdb->lpVtbl->QueryInterface(s.mdb, &IID_ITandemStore, (void **)&ts))) {
        rc = mapi_failure("the profile's store is not a Tandem store", hr);
        goto done;
    }
    ts->lpVtbl->GetDatabasePath(ts, ARRAYSIZE(path), path, &needed);
    ts->lpVtbl->GetSchemaVersion(ts, &version);
    check_hr = ts->lpVtbl->CheckIntegrity(ts, 0, &store_problems);
    for (i = 0; i < ARRAYSIZE(specials); i++) {
        IMAPIFolder *f = NULL;
        folder_hr[i] = cli_open_special(&s, specials[i].tag, 0, &f);
        repair_hr[i] = S_FALSE;
        if (f) f->lpVtbl->Release(f);
        if (FAILED(folder_hr[i])) {
            folder_problems++;
            if (repair && SUCCEEDED(repair_hr[i] = repair_special(&s, &specials[i]))) repaired++;
        }
    }
    if (json) {
        out_json j;
        out_json_begin(&j);
        jw_begin_object(&j.w);
        jw_key(&j.w, "database");
        jw_wstring(&j.w, path);
        jw_key(&j.w, "schema_version");
        jw_int(&j.w, version);
        jw_key(&j.w, "integrity");
        jw_cstring(&j.w, FAILED(check_hr) ? hr_name(check_hr) : store_problems ? "problems" : "ok");
        jw_key(&j.w, "store_problems");
        jw_int(&j.w, store_problems);
        jw_key(&j.w, "folders");
        jw_begin_array(&j.w);
        for (i = 0; i < ARRAYSIZE(specials); i++) {
            jw_begin_object(&j.w);
            jw_key(&j.w, "name");
            jw_cstring(&j.w, specials[i].name);
            jw_key(&j.w, "ok");
            jw_bool(&j.w, SUCCEEDED(folder_hr[i]));
            if (FAILED(folder_hr[i])) {
                jw_key(&j.w, "error");
                jw_cstring(&j.w, hr_name(folder_hr[i]));
                jw_key(&j.w, "repaired");
                jw_bool(&j.w, repair_hr[i] == S_OK);
            }
            jw_end_object(&j.w);
        }
        jw_end_array(&j.w);
        jw_key(&j.w, "repaired");
        jw_int(&j.w, repaired);
        jw_end_object(&j.w);
        out_json_end(&j);
    } else {
        printf("database    %ls (schema %lu)\n", path, (unsigned long)version);
        if (FAILED(check_hr)) printf("integrity   could not run: %s\n", hr_name(check_hr));
        else printf("integrity   %s (%lu problem(s): SQLite integrity and foreign keys, object tree)\n",
                    store_problems ? "PROBLEMS" : "ok", (unsigned long)store_problems);
        for (i = 0; i < ARRAYSIZE(specials); i++) {
            if (SUCCEEDED(folder_hr[i])) printf("folder      %-14s ok\n", specials[i].name);
            else printf("folder      %-14s missing (%s)%s%s\n", specials[i].name, hr_name(folder_hr[i]),
                        !repair ? "" : repair_hr[i] == S_OK ? ", repaired" : ", repair failed: ",
                        !repair || repair_hr[i] == S_OK ? "" : hr_name(repair_hr[i]));
        }
        if (!repair && folder_problems) printf("('tandem check --repair' creates missing folders again)\n");
    }
    if (FAILED(check_hr)) rc = mapi_failure("CheckIntegrity", check_hr);
    else if (store_problems || folder_problems > repaired) rc = EXIT_PROBLEMS;

done:
    if (ts) ts->lpVtbl->Release(ts);
    cli_logoff(&s);
    return rc;
}

const command check_command = {
    "check", "check the store (and repair what can be repaired without loss)",
    "usage: tandem check [--profile P] [--repair] [--json]\n"
    "\n"
    "Runs the store's CheckIntegrity (SQLite integrity_check and foreign_key_check, the\n"
    "store's object-tree rules) and opens every special folder (Inbox, Outbox, Sent Items,\n"
    "Deleted Items, Drafts). --repair creates a missing special folder again and names it where\n"
    "MAPI looks for it; nothing is deleted. Exit 0 consistent (or all repaired), 4 problems\n"
    "remain, 1 the check could not run.",
    run_check, NULL,
};
