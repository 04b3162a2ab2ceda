/*
 * test_pe.c - reads the export and import tables of the built DLLs from their files (both
 * architectures when the i686 build is there) and checks the ABI promises of issue 2:
 * tandem32.dll exports MSProviderInit, XPProviderInit, ServiceEntry undecorated and imports
 * nothing from mapi32.dll; minimapi.dll exports what Wine's mapi32 looks up by name.
 * Arguments: the folders holding the DLLs: x64 bin, and i686 bin when that build exists.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <cmocka.h>

typedef struct pe_image
{
    BYTE *data;
    DWORD size;
    IMAGE_SECTION_HEADER *sections;
    WORD n_sections;
    IMAGE_DATA_DIRECTORY *dirs;
    DWORD n_dirs;
    WORD machine;
} pe_image;

static char bin_x64[MAX_PATH], bin_i686[MAX_PATH];

static void *rva(const pe_image *pe, DWORD rva, DWORD len)
{
    WORD i;
    for (i = 0; i < pe->n_sections; i++)
    {
        const IMAGE_SECTION_HEADER *s = &pe->sections[i];
        DWORD vsize = s->Misc.VirtualSize ? s->Misc.VirtualSize : s->SizeOfRawData;
        if (rva >= s->VirtualAddress && rva - s->VirtualAddress < vsize)
        {
            DWORD off = s->PointerToRawData + (rva - s->VirtualAddress);
            if (off > pe->size || len > pe->size - off) return NULL;
            return pe->data + off;
        }
    }
    return NULL;
}

static int load_pe(const char *path, pe_image *pe)
{
    FILE *f = fopen(path, "rb");
    IMAGE_DOS_HEADER *dos;
    IMAGE_NT_HEADERS32 *nt;
    long size;

    memset(pe, 0, sizeof(*pe));
    if (!f) return 0;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    pe->data = malloc(size);
    pe->size = (DWORD)size;
    if (fread(pe->data, 1, size, f) != (size_t)size) { fclose(f); return 0; }
    fclose(f);
    dos = (IMAGE_DOS_HEADER *)pe->data;
    assert_int_equal(dos->e_magic, IMAGE_DOS_SIGNATURE);
    nt = (IMAGE_NT_HEADERS32 *)(pe->data + dos->e_lfanew);
    assert_int_equal(nt->Signature, IMAGE_NT_SIGNATURE);
    pe->machine = nt->FileHeader.Machine;
    if (nt->OptionalHeader.Magic == IMAGE_NT_OPTIONAL_HDR64_MAGIC)
    {
        IMAGE_NT_HEADERS64 *nt64 = (IMAGE_NT_HEADERS64 *)nt;
        pe->dirs = nt64->OptionalHeader.DataDirectory;
        pe->n_dirs = nt64->OptionalHeader.NumberOfRvaAndSizes;
    }
    else
    {
        pe->dirs = nt->OptionalHeader.DataDirectory;
        pe->n_dirs = nt->OptionalHeader.NumberOfRvaAndSizes;
    }
    pe->sections = (IMAGE_SECTION_HEADER *)((BYTE *)&nt->OptionalHeader
                                            + nt->FileHeader.SizeOfOptionalHeader);
    pe->n_sections = nt->FileHeader.NumberOfSections;
    return 1;
}

static int exports_name(const pe_image *pe, const char *name)
{
    IMAGE_EXPORT_DIRECTORY *ed;
    DWORD *names, i;
    if (pe->n_dirs <= IMAGE_DIRECTORY_ENTRY_EXPORT) return 0;
    ed = rva(pe, pe->dirs[IMAGE_DIRECTORY_ENTRY_EXPORT].VirtualAddress, sizeof(*ed));
    if (!ed) return 0;
    names = rva(pe, ed->AddressOfNames, ed->NumberOfNames * sizeof(DWORD));
    for (i = 0; names && i < ed->NumberOfNames; i++)
    {
        const char *n = rva(pe, names[i], 1);
        if (n && !strcmp(n, name)) return 1;
    }
    return 0;
}

static int imports_dll(const pe_image *pe, const char *dll)
{
    IMAGE_IMPORT_DESCRIPTOR *d;
    if (pe->n_dirs <= IMAGE_DIRECTORY_ENTRY_IMPORT) return 0;
    d = rva(pe, pe->dirs[IMAGE_DIRECTORY_ENTRY_IMPORT].VirtualAddress, sizeof(*d));
    for (; d && d->Name; d++)
    {
        const char *n = rva(pe, d->Name, 1);
        if (n && !_stricmp(n, dll)) return 1;
    }
    return 0;
}

static void check_tandem(const char *bin, WORD machine)
{
    char path[MAX_PATH];
    pe_image pe;
    snprintf(path, sizeof(path), "%s/tandem32.dll", bin);
    assert_true(load_pe(path, &pe));
    assert_int_equal(pe.machine, machine);
    assert_true(exports_name(&pe, "MSProviderInit"));
    assert_true(exports_name(&pe, "XPProviderInit"));
    assert_true(exports_name(&pe, "ServiceEntry"));
    assert_false(exports_name(&pe, "ServiceEntry@40"));
    assert_false(exports_name(&pe, "_ServiceEntry@40"));
    assert_true(imports_dll(&pe, "KERNEL32.dll"));   /* the parser does see imports */
    assert_false(imports_dll(&pe, "mapi32.dll"));
    assert_false(imports_dll(&pe, "olmapi32.dll"));
    assert_false(imports_dll(&pe, "minimapi.dll"));
    assert_false(imports_dll(&pe, "libgcc_s_dw2-1.dll"));
    assert_false(imports_dll(&pe, "libwinpthread-1.dll"));
    free(pe.data);
}

static void check_minimapi(const char *bin, WORD machine)
{
    static const char *const names[] = {
        "MAPIInitialize", "MAPIUninitialize", "MAPILogonEx", "MAPIAdminProfiles",
        "MAPIAllocateBuffer", "MAPIAllocateMore", "MAPIFreeBuffer", "HrQueryAllRows@24",
        "DllRegisterServer", "DllUnregisterServer", "DllCanUnloadNow",
    };
    char path[MAX_PATH];
    pe_image pe;
    size_t i;
    snprintf(path, sizeof(path), "%s/minimapi.dll", bin);
    assert_true(load_pe(path, &pe));
    assert_int_equal(pe.machine, machine);
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    {
        if (!exports_name(&pe, names[i])) fail_msg("minimapi.dll does not export %s", names[i]);
    }
    assert_false(imports_dll(&pe, "mapi32.dll"));
    assert_false(imports_dll(&pe, "tandem32.dll"));
    free(pe.data);
}

static void test_x64_tandem(void **state) { check_tandem(bin_x64, IMAGE_FILE_MACHINE_AMD64); }
static void test_x64_minimapi(void **state) { check_minimapi(bin_x64, IMAGE_FILE_MACHINE_AMD64); }
static void test_i686_tandem(void **state) { check_tandem(bin_i686, IMAGE_FILE_MACHINE_I386); }
static void test_i686_minimapi(void **state) { check_minimapi(bin_i686, IMAGE_FILE_MACHINE_I386); }
static void test_install_layout(void **state)
{
    const char *dirs[2] = {bin_x64, bin_i686};
    int i;
    for (i = 0; i < 2; i++)
    {
        char path[MAX_PATH];
        if (!dirs[i][0]) continue;
        snprintf(path, sizeof(path), "%s/MAPISVC.INF", dirs[i]);
        assert_true(GetFileAttributesA(path) != INVALID_FILE_ATTRIBUTES);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest x64_tests[] = {
        cmocka_unit_test(test_x64_tandem),
        cmocka_unit_test(test_x64_minimapi),
        cmocka_unit_test(test_install_layout),
    };
    const struct CMUnitTest both_tests[] = {
        cmocka_unit_test(test_x64_tandem),
        cmocka_unit_test(test_x64_minimapi),
        cmocka_unit_test(test_i686_tandem),
        cmocka_unit_test(test_i686_minimapi),
        cmocka_unit_test(test_install_layout),
    };
    const char *i686 = argc > 2 ? argv[2] : NULL;
    if (argc < 2)
    {
        fprintf(stderr, "usage: test_pe X64_BIN_DIR [I686_BIN_DIR]\n");
        return 2;
    }
    snprintf(bin_x64, MAX_PATH, "%s%s", argv[1][0] == '/' ? "Z:" : "", argv[1]);
    if (i686 && *i686)
    {
        /* a Unix path from the test driver: Wine maps it under Z: */
        snprintf(bin_i686, MAX_PATH, "%s%s", i686[0] == '/' ? "Z:" : "", i686);
    }
    /* The i686 DLLs are checked when the build was told where they are (./dev.sh test
     * configures the x64 build with TANDEM_I686_BIN). */
    if (bin_i686[0]) return cmocka_run_group_tests(both_tests, NULL, NULL);
    return cmocka_run_group_tests(x64_tests, NULL, NULL);
}
