/*
 * cmd_install.c - `tandem install` and `tandem uninstall` (issue 8 point 2).
 *
 * Outlook's MAPI: the [Services] line and the [TANDEM], [TANDEM_MS], [TANDEM_XP] sections of
 * the MAPISVC.INF beside tandem.exe are merged into the MAPISVC.INF of the installed MAPI
 * (file-format-of-mapisvc-inf.md), with PR_SERVICE_DLL_NAME / PR_PROVIDER_DLL_NAME /
 * PR_SERVICE_SUPPORT_FILES set to the full path of tandem.dll beside the exe: MAPI inserts "32"
 * before the first period of the path, so the folder may hold none
 * (registering-services-and-service-providers-in-mapisvc-inf.md; spi-digest §5.4). The first
 * install keeps the file as it was in MAPISVC.INF.tandem-backup. uninstall takes our sections
 * out again (or, with --restore, puts the backup back) and removes the backup.
 *
 * Where the installed MAPISVC.INF is, in this order:
 *   1. --mapisvc PATH;
 *   2. Outlook's MAPI: HKLM\SOFTWARE\Clients\Mail\Microsoft Outlook holds MSIComponentID and
 *      MSIApplicationLCID (mapi32-dll-stub-registry-settings.md); FGetComponentPath, exported by
 *      the system's mapi32.dll stub, turns them into the path of Outlook's MAPI DLL, and
 *      MAPISVC.INF sits in that folder;
 *   3. HKLM\SOFTWARE\Microsoft\Office\<16.0|15.0|14.0>\Outlook\InstallRoot "Path";
 *   4. the system directory (the classic Windows Messaging Subsystem's place).
 *
 * Wine: --wine calls minimapi.dll's DllRegisterServer (beside tandem.exe), which registers
 * minimapi as the mail client that mapi32 loads (Extended and Simple MAPI); uninstall --wine
 * calls DllUnregisterServer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapicli.h"

static const char *const our_sections[] = { "TANDEM", "TANDEM_MS", "TANDEM_XP" };

static int is_ours(const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < ARRAYSIZE(our_sections); i++)
        if (strlen(our_sections[i]) == len && !_strnicmp(our_sections[i], name, len)) return 1;
    return 0;
}

/* The folder of tandem.exe, UTF-8, with a trailing backslash. */
static void exe_dir(char *out, size_t n)
{
    WCHAR w[MAX_PATH], *slash;
    char *u;

    GetModuleFileNameW(NULL, w, MAX_PATH);
    if ((slash = wcsrchr(w, L'\\'))) slash[1] = 0;
    u = utf8_from_wide(w);
    snprintf(out, n, "%s", u ? u : ".\\");
    free(u);
}

/* ---- finding the installed MAPISVC.INF -------------------------------------------------------- */

static int file_exists(const char *path)
{
    WCHAR *w = wide_from_utf8(path);
    DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    free(w);
    return a != INVALID_FILE_ATTRIBUTES && !(a & FILE_ATTRIBUTE_DIRECTORY);
}

typedef BOOL (WINAPI *fgetcomponentpath_fn)(LPCSTR, LPSTR, LPSTR, DWORD, BOOL);

static int from_outlook_component(char *out, size_t n, const char **how)
{
    char comp[128], lcid[128], dll[MAX_PATH], sysdir[MAX_PATH], stub[MAX_PATH], *slash;
    DWORD cb = sizeof(comp), cb2 = sizeof(lcid);
    fgetcomponentpath_fn fn;
    HMODULE mod;
    int found = 0;

    if (RegGetValueA(HKEY_LOCAL_MACHINE, "SOFTWARE\\Clients\\Mail\\Microsoft Outlook", "MSIComponentID",
                     RRF_RT_REG_SZ, NULL, comp, &cb))
        return 0;
    if (RegGetValueA(HKEY_LOCAL_MACHINE, "SOFTWARE\\Clients\\Mail\\Microsoft Outlook", "MSIApplicationLCID",
                     RRF_RT_REG_SZ | RRF_RT_REG_MULTI_SZ, NULL, lcid, &cb2))
        lcid[0] = 0;
    GetSystemDirectoryA(sysdir, MAX_PATH);
    snprintf(stub, sizeof(stub), "%s\\mapi32.dll", sysdir);
    if (!(mod = LoadLibraryA(stub))) return 0;
    if ((fn = (fgetcomponentpath_fn)(void *)GetProcAddress(mod, "FGetComponentPath"))
        && fn(comp, lcid[0] ? lcid : NULL, dll, sizeof(dll), FALSE) && (slash = strrchr(dll, '\\'))) {
        *slash = 0;
        snprintf(out, n, "%s\\MAPISVC.INF", dll);
        found = file_exists(out);
        *how = "Outlook's MAPI (MSIComponentID, FGetComponentPath)";
    }
    FreeLibrary(mod);
    return found;
}

static int from_office_install_root(char *out, size_t n, const char **how)
{
    static const char *const versions[] = { "16.0", "15.0", "14.0" };
    char key[128], path[MAX_PATH];
    size_t i;

    for (i = 0; i < ARRAYSIZE(versions); i++) {
        DWORD cb = sizeof(path);
        snprintf(key, sizeof(key), "SOFTWARE\\Microsoft\\Office\\%s\\Outlook\\InstallRoot", versions[i]);
        if (RegGetValueA(HKEY_LOCAL_MACHINE, key, "Path", RRF_RT_REG_SZ, NULL, path, &cb)) continue;
        snprintf(out, n, "%s%sMAPISVC.INF", path, path[0] && path[strlen(path) - 1] == '\\' ? "" : "\\");
        if (file_exists(out)) {
            *how = "Outlook's InstallRoot";
            return 1;
        }
    }
    return 0;
}

static int find_mapisvc(char *out, size_t n, const char **how)
{
    char sysdir[MAX_PATH];

    if (from_outlook_component(out, n, how) || from_office_install_root(out, n, how)) return 1;
    GetSystemDirectoryA(sysdir, MAX_PATH);
    snprintf(out, n, "%s\\MAPISVC.INF", sysdir);
    *how = "the system directory";
    return file_exists(out);
}

/* ---- the INI merge ---------------------------------------------------------------------------- */

/* Section name of a "[name]" line (len 0: not a header). */
static size_t header_name(const char *line, size_t len, const char **name)
{
    const char *close;
    while (len && (*line == ' ' || *line == '\t')) line++, len--;
    if (!len || *line != '[' || !(close = memchr(line, ']', len))) return 0;
    *name = line + 1;
    return close - line - 1;
}

/* Copy `text` into out without our sections and without TANDEM= in [Services]; when `services_line`
 * is set, it goes at the end of [Services] (which is created when missing). */
static void strip_ours(strbuf *out, const char *text, size_t len, const char *services_line)
{
    const char *p = text, *end = text + len, *name;
    int skip = 0, in_services = 0, services_seen = 0;

    while (p < end) {
        const char *nl = memchr(p, '\n', end - p);
        size_t n = (nl ? nl : end) - p, hl;
        size_t content = n && p[n - 1] == '\r' ? n - 1 : n;
        if ((hl = header_name(p, content, &name))) {
            if (in_services && services_line) sb_printf(out, "%s\r\n", services_line);
            skip = is_ours(name, hl);
            in_services = hl == 8 && !_strnicmp(name, "Services", 8);
            services_seen |= in_services;
        } else if (in_services && content >= 7 && !_strnicmp(p, "TANDEM=", 7)) {
            p = nl ? nl + 1 : end;
            continue;
        }
        if (!skip) {
            sb_put(out, p, content);
            sb_puts(out, "\r\n");
        }
        p = nl ? nl + 1 : end;
    }
    if (in_services && services_line) sb_printf(out, "%s\r\n", services_line);
    if (!services_seen && services_line) {
        strbuf b = {0};
        sb_printf(&b, "[Services]\r\n%s\r\n\r\n", services_line);
        sb_put(&b, out->data, out->len);
        sb_free(out);
        *out = b;
    }
}

/* Append our sections from the source INF, DLL names made full paths, comments left out. */
static void append_ours(strbuf *out, const char *src, size_t len, const char *dll_path)
{
    const char *p = src, *end = src + len, *name;
    int keep = 0;

    while (p < end) {
        const char *nl = memchr(p, '\n', end - p);
        size_t n = (nl ? nl : end) - p, hl;
        size_t content = n && p[n - 1] == '\r' ? n - 1 : n;
        if ((hl = header_name(p, content, &name))) {
            keep = is_ours(name, hl);
            if (keep) sb_puts(out, "\r\n");
        }
        if (keep && content && *p != ';') {
            if ((content > 20 && !_strnicmp(p, "PR_SERVICE_DLL_NAME=", 20))
                || (content > 21 && !_strnicmp(p, "PR_PROVIDER_DLL_NAME=", 21))
                || (content > 25 && !_strnicmp(p, "PR_SERVICE_SUPPORT_FILES=", 25))) {
                const char *eq = memchr(p, '=', content);
                sb_put(out, p, eq - p + 1);
                sb_printf(out, "%s\r\n", dll_path);
            } else {
                sb_put(out, p, content);
                sb_puts(out, "\r\n");
            }
        }
        p = nl ? nl + 1 : end;
    }
}

static int copy_file_utf8(const char *from, const char *to, int overwrite)
{
    WCHAR *a = wide_from_utf8(from), *b = wide_from_utf8(to);
    BOOL ok = a && b && CopyFileW(a, b, !overwrite);
    free(a);
    free(b);
    return ok ? 0 : -1;
}

static int delete_file_utf8(const char *path)
{
    WCHAR *w = wide_from_utf8(path);
    BOOL ok = w && DeleteFileW(w);
    free(w);
    return ok ? 0 : -1;
}

/* ---- wine ------------------------------------------------------------------------------------- */

static int register_minimapi(int unregister, int json)
{
    char dir[MAX_PATH * 3], path[MAX_PATH * 3];
    const char *fn_name = unregister ? "DllUnregisterServer" : "DllRegisterServer";
    HRESULT (WINAPI *fn)(void);
    HMODULE mod;
    WCHAR *w;
    HRESULT hr;

    exe_dir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%sminimapi.dll", dir);
    w = wide_from_utf8(path);
    mod = w ? LoadLibraryW(w) : NULL;
    free(w);
    if (!mod) {
        error_line("cannot load %s", path);
        return EXIT_NOT_FOUND;
    }
    fn = (HRESULT (WINAPI *)(void))(void *)GetProcAddress(mod, fn_name);
    hr = fn ? fn() : E_NOTIMPL;
    FreeLibrary(mod);
    if (FAILED(hr)) return mapi_failure(fn_name, hr);
    if (json) {
        out_json j;
        out_json_begin(&j);
        jw_begin_object(&j.w);
        jw_key(&j.w, unregister ? "unregistered" : "registered");
        jw_cstring(&j.w, path);
        jw_end_object(&j.w);
        out_json_end(&j);
    } else {
        printf("%s %s (%s)\n", unregister ? "unregistered" : "registered", path, fn_name);
    }
    return EXIT_OK;
}

/* ---- commands --------------------------------------------------------------------------------- */

static int run(int argc, char **argv, int uninstall)
{
    const char *arg, *target = NULL, *how = "--mapisvc";
    char found[MAX_PATH * 3], dir[MAX_PATH * 3], src_path[MAX_PATH * 3], dll[MAX_PATH * 3], backup[MAX_PATH * 3 + 16];
    char *src = NULL, *cur = NULL, err[256];
    size_t src_len = 0, cur_len = 0;
    int json = 0, wine = 0, restore = 0, rc = EXIT_OK, made_backup = 0;
    strbuf out = {0};
    opts o;

    opts_init(&o, argc, argv);
    while (opts_next(&o, &arg)) {
        if (opt_is(&o, arg, "--json", 0)) json = 1;
        else if (opt_is(&o, arg, "--wine", 0)) wine = 1;
        else if (uninstall && opt_is(&o, arg, "--restore", 0)) restore = 1;
        else if (opt_is(&o, arg, "--mapisvc", 1)) target = o.value;
        else return usage_error(argv[0], "unexpected '%s'", arg);
    }
    if (o.bad) return EXIT_USAGE;
    if (wine) return register_minimapi(uninstall, json);

    if (!target) {
        if (!find_mapisvc(found, sizeof(found), &how)) {
            error_line("no installed MAPI found (no MAPISVC.INF from Outlook's registry keys or in the "
                       "system directory); use --mapisvc PATH, or --wine under Wine");
            return EXIT_NOT_FOUND;
        }
        target = found;
    }
    snprintf(backup, sizeof(backup), "%s.tandem-backup", target);
    if (read_file(target, 16u << 20, &cur, &cur_len, err, sizeof(err))) {
        error_line("%s: %s", target, err);
        return EXIT_NOT_FOUND;
    }

    if (!uninstall) {
        exe_dir(dir, sizeof(dir));
        snprintf(src_path, sizeof(src_path), "%sMAPISVC.INF", dir);
        if (read_file(src_path, 1u << 20, &src, &src_len, err, sizeof(err))) {
            error_line("%s: %s (it ships beside tandem.exe)", src_path, err);
            rc = EXIT_NOT_FOUND;
            goto done;
        }
        /* MAPI puts "32" before the path's first period: the folder may have none */
        if (strchr(dir, '.')) {
            error_line("the folder of tandem.exe (%s) has a period in its path; MAPI would look for "
                       "the DLL in the wrong place - install from a folder without periods", dir);
            rc = EXIT_FAILED;
            goto done;
        }
        snprintf(dll, sizeof(dll), "%standem.dll", dir);
        strip_ours(&out, cur, cur_len, "TANDEM=Tandem Mail");
        append_ours(&out, src, src_len, dll);
        if (!file_exists(backup)) {
            if (copy_file_utf8(target, backup, 0)) {
                error_line("cannot write the backup %s", backup);
                rc = EXIT_FAILED;
                goto done;
            }
            made_backup = 1;
        }
    } else if (restore) {
        if (!file_exists(backup)) {
            error_line("no backup %s", backup);
            rc = EXIT_NOT_FOUND;
            goto done;
        }
    } else {
        strip_ours(&out, cur, cur_len, NULL);
    }

    if (restore ? copy_file_utf8(backup, target, 1) : (out.failed || write_file(target, out.data, out.len))) {
        error_line("cannot write %s", target);
        rc = EXIT_FAILED;
        goto done;
    }
    if (uninstall) delete_file_utf8(backup);
    if (json) {
        out_json j;
        out_json_begin(&j);
        jw_begin_object(&j.w);
        jw_key(&j.w, "mapisvc");
        jw_cstring(&j.w, target);
        jw_key(&j.w, "found_by");
        jw_cstring(&j.w, how);
        jw_key(&j.w, uninstall ? "uninstalled" : "installed");
        jw_bool(&j.w, 1);
        if (!uninstall) {
            jw_key(&j.w, "dll");
            jw_cstring(&j.w, dll);
            jw_key(&j.w, "backup");
            jw_cstring(&j.w, backup);
            jw_key(&j.w, "backup_created");
            jw_bool(&j.w, made_backup);
        } else {
            jw_key(&j.w, "restored_backup");
            jw_bool(&j.w, restore);
        }
        jw_end_object(&j.w);
        out_json_end(&j);
    } else if (!uninstall) {
        printf("installed the TANDEM service into %s (found by %s)\nDLL     %s (MAPI loads tandem32.dll)\nbackup  %s%s\n",
               target, how, dll, backup, made_backup ? "" : " (kept from an earlier install)");
        printf("Add \"Tandem Mail\" to a profile: Control Panel > Mail > Show Profiles.\n");
    } else {
        printf("%s %s\n", restore ? "restored the backup into" : "removed the TANDEM service from", target);
    }

done:
    sb_free(&out);
    free(src);
    free(cur);
    return rc;
}

static int run_install(int argc, char **argv)
{
    return run(argc, argv, 0);
}

static int run_uninstall(int argc, char **argv)
{
    return run(argc, argv, 1);
}

const command install_command = {
    "install", "add the Tandem service to the installed MAPI (or register minimapi under Wine)",
    "usage: tandem install [--mapisvc PATH] [--json]\n"
    "       tandem install --wine [--json]\n"
    "\n"
    "Merges the [Services] line and the [TANDEM], [TANDEM_MS], [TANDEM_XP] sections of the\n"
    "MAPISVC.INF beside tandem.exe into the installed MAPI's MAPISVC.INF, with the DLL names set\n"
    "to the full path of tandem.dll beside tandem.exe (MAPI loads tandem32.dll; the folder may\n"
    "hold no period). The installed file is found through Outlook's registry keys\n"
    "(HKLM\\SOFTWARE\\Clients\\Mail\\Microsoft Outlook MSIComponentID + FGetComponentPath, then\n"
    "HKLM\\SOFTWARE\\Microsoft\\Office\\<ver>\\Outlook\\InstallRoot), else the system directory;\n"
    "--mapisvc names it. The first install keeps MAPISVC.INF.tandem-backup. Installing again\n"
    "replaces our sections.\n"
    "--wine: registers minimapi.dll (beside tandem.exe) as the Extended and Simple MAPI\n"
    "implementation through its DllRegisterServer.\n"
    "Exit 3 when no installed MAPI (or a file beside tandem.exe) is found.",
    run_install, NULL,
};

const command uninstall_command = {
    "uninstall", "take the Tandem service out again (or unregister minimapi under Wine)",
    "usage: tandem uninstall [--mapisvc PATH] [--restore] [--json]\n"
    "       tandem uninstall --wine [--json]\n"
    "\n"
    "Removes our sections and [Services] line from the installed MAPISVC.INF (found as for\n"
    "install) and deletes the backup; --restore puts MAPISVC.INF.tandem-backup back instead.\n"
    "--wine calls minimapi's DllUnregisterServer.",
    run_uninstall, NULL,
};
