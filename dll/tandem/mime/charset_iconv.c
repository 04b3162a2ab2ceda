/*
 * charset_iconv.c - the charset converter of native (non-Windows) builds: iconv, which is what
 * the fuzzer and the Linux unit tests run with. The Windows DLL uses mime_codepage.c instead.
 *
 * Invalid or incomplete input bytes become U+FFFD and conversion goes on, as a mail reader
 * shows them; the output length is counted even past `cap` so the caller can retry.
 */
#ifndef _WIN32

#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "mime.h"

long mime_charset_iconv(void *ctx, const char *charset, const char *in, size_t len, char *out,
                        size_t cap)
{
    char tmp[256], *src = (char *)in;
    size_t left = len, total = 0;
    iconv_t cd;

    (void)ctx;
    if (!charset || !*charset || (cd = iconv_open("UTF-8", charset)) == (iconv_t)-1)
        return -1;
    while (left) {
        char *dst = tmp;
        size_t room = sizeof(tmp), r = iconv(cd, &src, &left, &dst, &room);
        size_t got = sizeof(tmp) - room;

        if (total < cap)
            memcpy(out + total, tmp, got <= cap - total ? got : cap - total);
        total += got;
        if (r == (size_t)-1 && errno != E2BIG) {
            /* EILSEQ / EINVAL: skip one byte, show a replacement character. */
            static const char fffd[3] = { (char)0xef, (char)0xbf, (char)0xbd };
            if (total < cap)
                memcpy(out + total, fffd, 3 <= cap - total ? 3 : cap - total);
            total += 3;
            src++;
            left--;
            iconv(cd, NULL, NULL, NULL, NULL);
        }
    }
    {
        /* Flush a stateful encoding's shift state (ISO-2022-JP). */
        char *dst = tmp;
        size_t room = sizeof(tmp), got;
        iconv(cd, NULL, NULL, &dst, &room);
        got = sizeof(tmp) - room;
        if (total < cap)
            memcpy(out + total, tmp, got <= cap - total ? got : cap - total);
        total += got;
    }
    iconv_close(cd);
    return total > (size_t)0x7fffffff ? -1 : (long)total;
}

mime_charset_fn mime_default_charset(void)
{
    return mime_charset_iconv;
}

#endif
