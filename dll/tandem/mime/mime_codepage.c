/*
 * mime_codepage.c - the charset converter of the Windows DLL (issue 5: "every charset Windows
 * knows through its code pages"): a MIME charset name becomes a Windows code page
 * (the names are IANA's and the aliases mailers write; the numbers are those of
 * MultiByteToWideChar, learn.microsoft.com "Code Page Identifiers"), and
 * MultiByteToWideChar + WideCharToMultiByte(CP_UTF8) convert.
 *
 * A code page the system does not have (IsValidCodePage) gets a stand-in where one exists
 * (Wine has neither ISO-2022-JP nor GB18030): ISO-2022-JP is re-encoded as EUC-JP, GB18030 is
 * read as its GBK subset. Otherwise the charset counts as unknown, and the core reads the text
 * as UTF-8 or windows-1252. Windows-only: native builds use charset_iconv.c.
 */
#ifdef _WIN32

#include <windows.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"

static const struct {
    const char *name;
    unsigned cp;
} charsets[] = {
    /* Unicode */
    { "utf-8", 65001 }, { "utf8", 65001 }, { "utf-7", 65000 }, { "unicode-1-1-utf-7", 65000 },
    { "x-unicode-2-0-utf-7", 65000 },
    /* ASCII and ISO 8859 */
    { "us-ascii", 20127 }, { "ascii", 20127 }, { "ansi_x3.4-1968", 20127 },
    { "iso-8859-1", 28591 }, { "latin1", 28591 }, { "iso_8859-1", 28591 }, { "l1", 28591 },
    { "iso-8859-2", 28592 }, { "latin2", 28592 }, { "iso_8859-2", 28592 }, { "l2", 28592 },
    { "iso-8859-3", 28593 }, { "latin3", 28593 }, { "iso_8859-3", 28593 },
    { "iso-8859-4", 28594 }, { "latin4", 28594 }, { "iso_8859-4", 28594 },
    { "iso-8859-5", 28595 }, { "cyrillic", 28595 }, { "iso_8859-5", 28595 },
    { "iso-8859-6", 28596 }, { "arabic", 28596 }, { "iso_8859-6", 28596 },
    { "iso-8859-6-i", 28596 }, { "iso-8859-6-e", 28596 },
    { "iso-8859-7", 28597 }, { "greek", 28597 }, { "iso_8859-7", 28597 },
    { "iso-8859-8", 28598 }, { "hebrew", 28598 }, { "iso_8859-8", 28598 },
    { "iso-8859-8-e", 28598 }, { "iso-8859-8-i", 28598 }, { "logical", 28598 },
    { "iso-8859-9", 28599 }, { "latin5", 28599 }, { "iso_8859-9", 28599 },
    { "iso-8859-10", 28600 }, { "latin6", 28600 },
    { "iso-8859-11", 874 }, { "tis-620", 874 }, { "windows-874", 874 },
    { "iso-8859-13", 28603 }, { "iso-8859-14", 28604 }, { "iso-8859-15", 28605 },
    { "latin-9", 28605 }, { "latin9", 28605 }, { "iso_8859-15", 28605 },
    { "iso-8859-16", 28606 },
    /* Windows ANSI code pages */
    { "windows-1250", 1250 }, { "windows-1251", 1251 }, { "windows-1252", 1252 },
    { "windows-1253", 1253 }, { "windows-1254", 1254 }, { "windows-1255", 1255 },
    { "windows-1256", 1256 }, { "windows-1257", 1257 }, { "windows-1258", 1258 },
    /* Cyrillic */
    { "koi8-r", 20866 }, { "koi8r", 20866 }, { "koi", 20866 }, { "cskoi8r", 20866 },
    { "koi8-u", 21866 }, { "koi8-ru", 21866 }, { "x-mac-cyrillic", 10007 },
    /* Japanese */
    { "shift_jis", 932 }, { "shift-jis", 932 }, { "sjis", 932 }, { "x-sjis", 932 },
    { "ms_kanji", 932 }, { "csshiftjis", 932 }, { "windows-31j", 932 }, { "cp932", 932 },
    { "euc-jp", 20932 }, { "x-euc-jp", 20932 }, { "cseucpkdfmtjapanese", 20932 },
    { "iso-2022-jp", 50220 }, { "csiso2022jp", 50221 }, { "iso-2022-jp-1", 50221 },
    { "iso-2022-jp-2", 50222 },
    /* Chinese */
    { "gb2312", 936 }, { "gbk", 936 }, { "x-gbk", 936 }, { "cp936", 936 }, { "ms936", 936 },
    { "euc-cn", 936 }, { "x-euc-cn", 936 }, { "csgb2312", 936 }, { "gb_2312-80", 936 },
    { "chinese", 936 }, { "gb18030", 54936 }, { "hz-gb-2312", 52936 },
    { "big5", 950 }, { "big5-hkscs", 950 }, { "cn-big5", 950 }, { "x-x-big5", 950 },
    { "csbig5", 950 }, { "cp950", 950 },
    /* Korean */
    { "euc-kr", 949 }, { "ks_c_5601-1987", 949 }, { "ks_c_5601", 949 },
    { "ks_c_5601-1989", 949 }, { "ksc_5601", 949 }, { "ksc5601", 949 }, { "korean", 949 },
    { "cseuckr", 949 }, { "cp949", 949 }, { "uhc", 949 }, { "iso-2022-kr", 50225 },
    { "csiso2022kr", 50225 }, { "johab", 1361 },
    /* Others */
    { "asmo-708", 708 }, { "dos-720", 720 }, { "dos-862", 862 }, { "ibm437", 437 },
    { "ibm850", 850 }, { "ibm852", 852 }, { "ibm855", 855 }, { "ibm857", 857 }, { "ibm860", 860 },
    { "ibm861", 861 }, { "ibm863", 863 }, { "ibm864", 864 }, { "ibm865", 865 }, { "ibm866", 866 },
    { "ibm869", 869 }, { "cp866", 866 }, { "x-mac-roman", 10000 }, { "macintosh", 10000 },
    { "x-mac-ce", 10029 }, { "x-mac-greek", 10006 }, { "x-mac-turkish", 10081 },
    { "x-mac-japanese", 10001 }, { "x-mac-chinesetrad", 10002 }, { "x-mac-korean", 10003 },
    { "x-mac-arabic", 10004 }, { "x-mac-hebrew", 10005 }, { "x-mac-chinesesimp", 10008 },
    { "x-mac-icelandic", 10079 }, { "x-mac-ukrainian", 10017 }, { "viscii", 1258 },
    { "x-ebcdic-international", 500 }, { "ibm037", 37 }, { "ibm500", 500 },
    { "ibm1026", 1026 },
};

static int lower_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
        if (x != *b)
            return 0;
    }
    return !*a && !*b;
}

/* "cp1251", "windows-1251", "x-cp1251", "ibm866", "ms1252": the number is the code page. */
static unsigned numeric_codepage(const char *s)
{
    static const char *const prefixes[] = { "windows-", "x-cp", "cp", "ibm", "ms", "cp-" };
    size_t i, k;

    for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        size_t pl = strlen(prefixes[i]);
        unsigned v = 0;
        for (k = 0; k < pl && s[k] && (s[k] | 32) == prefixes[i][k]; k++)
            ;
        if (k < pl)
            continue;
        for (k = pl; s[k] >= '0' && s[k] <= '9' && v < 100000; k++)
            v = v * 10 + (unsigned)(s[k] - '0');
        if (!s[k] && k > pl)
            return v;
    }
    return 0;
}

unsigned mime_codepage_from_charset(const char *charset)
{
    size_t i;

    if (!charset)
        return 0;
    for (i = 0; i < sizeof(charsets) / sizeof(charsets[0]); i++)
        if (lower_eq(charset, charsets[i].name))
            return charsets[i].cp;
    return numeric_codepage(charset);
}

/* ISO-2022-JP (RFC 1468, with the JIS X 0212 and half-width katakana extensions) as EUC-JP,
 * which has the same character sets without the escapes. The result is never longer than
 * twice the input (a half-width katakana byte becomes two). NULL when out of memory. */
static char *iso2022jp_to_eucjp(const char *in, size_t len, size_t *out_len)
{
    enum { ASCII, JIS0208, JIS0212, KANA } mode = ASCII;
    const unsigned char *p = (const unsigned char *)in;
    unsigned char *out = malloc(2 * len + 1);
    size_t i, k = 0;

    if (!out)
        return NULL;
    for (i = 0; i < len; i++) {
        if (p[i] == 0x1b && i + 2 < len) {
            if (p[i + 1] == '(' && (p[i + 2] == 'B' || p[i + 2] == 'J')) { mode = ASCII; i += 2; continue; }
            if (p[i + 1] == '(' && p[i + 2] == 'I') { mode = KANA; i += 2; continue; }
            if (p[i + 1] == '$' && (p[i + 2] == '@' || p[i + 2] == 'B')) { mode = JIS0208; i += 2; continue; }
            if (p[i + 1] == '$' && p[i + 2] == '(' && i + 3 < len && p[i + 3] == 'D') {
                mode = JIS0212;
                i += 3;
                continue;
            }
        }
        if (p[i] == '\r' || p[i] == '\n')
            mode = ASCII;   /* a line break resets the mode (RFC 1468) */
        if (mode == ASCII || p[i] < 0x21 || p[i] > 0x7e) {
            out[k++] = p[i];
        } else if (mode == KANA) {
            out[k++] = 0x8e;
            out[k++] = (unsigned char)(p[i] | 0x80);
        } else if (i + 1 < len) {
            if (mode == JIS0212)
                out[k++] = 0x8f;
            out[k++] = (unsigned char)(p[i] | 0x80);
            out[k++] = (unsigned char)(p[i + 1] | 0x80);
            i++;
        }
    }
    *out_len = k;
    return (char *)out;
}

/* The code page to use for cp where the system lacks it; 0 when there is none. */
static unsigned stand_in(unsigned cp)
{
    if (IsValidCodePage(cp))
        return cp;
    if (cp == 54936 && IsValidCodePage(936))
        return 936;
    if (cp >= 50220 && cp <= 50222 && IsValidCodePage(20932))
        return 20932;
    return 0;
}

long mime_charset_windows(void *ctx, const char *charset, const char *in, size_t len, char *out,
                          size_t cap)
{
    unsigned asked = mime_codepage_from_charset(charset), cp = asked ? stand_in(asked) : 0;
    char *converted = NULL;
    WCHAR *wide;
    int wn, n;

    (void)ctx;
    if (!cp || len > 0x3fffffff)
        return -1;
    if (!len)
        return 0;
    if (cp == 20932 && asked != 20932) {
        if (!(converted = iso2022jp_to_eucjp(in, len, &len)))
            return -1;
        in = converted;
    }
    wn = MultiByteToWideChar(cp, 0, in, (int)len, NULL, 0);
    if (wn <= 0 || !(wide = malloc((size_t)wn * sizeof(WCHAR)))) {
        free(converted);
        return -1;
    }
    MultiByteToWideChar(cp, 0, in, (int)len, wide, wn);
    free(converted);
    n = WideCharToMultiByte(CP_UTF8, 0, wide, wn, NULL, 0, NULL, NULL);
    if (n > 0 && (size_t)n <= cap)
        WideCharToMultiByte(CP_UTF8, 0, wide, wn, out, n, NULL, NULL);
    free(wide);
    return n > 0 ? n : -1;
}

mime_charset_fn mime_default_charset(void)
{
    return mime_charset_windows;
}

#endif
