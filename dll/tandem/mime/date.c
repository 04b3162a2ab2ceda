/*
 * date.c - RFC 5322 date-time (3.3) to and from FILETIME-compatible 64-bit UTC.
 *
 * Reading accepts what mail in the wild carries: optional day names, two- and three-digit years
 * (RFC 5322 4.3), missing seconds, the obsolete zone names and military letters (treated as
 * +0000, as RFC 5322 4.3 advises for the letters), comments, asctime order
 * ("Mon Jan  2 15:04:05 2006"). Anything it cannot read yields 0 ("absent"), never an error.
 * Writing always gives "Tue, 03 Jan 2023 10:00:00 +0000".
 */
#include <string.h>

#include "mime_int.h"

#define FILETIME_UNIX_EPOCH 116444736000000000LL   /* 1970-01-01 in 100 ns since 1601 */
#define TICKS 10000000LL

int64_t mime_filetime_from_unix(int64_t seconds)
{
    return seconds * TICKS + FILETIME_UNIX_EPOCH;
}

int64_t mime_unix_from_filetime(int64_t filetime)
{
    int64_t t = filetime - FILETIME_UNIX_EPOCH;

    return t >= 0 ? t / TICKS : -((-t + TICKS - 1) / TICKS);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
static const char *const month_names[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const day_names[] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };

/* Zone names of RFC 5322 4.3 in minutes east of UTC; unknown names read as 0. */
static int zone_minutes(const char *s, size_t n, int *known)
{
    static const struct { const char *name; int minutes; } zones[] = {
        { "ut", 0 }, { "gmt", 0 }, { "utc", 0 }, { "z", 0 },
        { "est", -300 }, { "edt", -240 }, { "cst", -360 }, { "cdt", -300 },
        { "mst", -420 }, { "mdt", -360 }, { "pst", -480 }, { "pdt", -420 },
    };
    size_t i;

    for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
        if (ascii_ncaseeq(s, n, zones[i].name)) {
            *known = 1;
            return zones[i].minutes;
        }
    *known = 0;
    return 0;
}

int64_t mime_parse_date(const char *s, size_t n)
{
    int64_t year = -1, day = -1, month = -1, hh = -1, mm = 0, ss = 0, zone = 0;
    int zone_set = 0;
    size_t i = 0;

    while (i < n) {
        size_t start, len;

        i = skip_cfws(s, n, i);
        if (i >= n)
            break;
        start = i;
        if (s[i] == '+' || s[i] == '-') {
            /* "+hhmm" / "-hhmm" */
            int sign = s[i] == '-' ? -1 : 1;
            int64_t v = 0;
            size_t k = i + 1;
            while (k < n && k - i <= 4 && s[k] >= '0' && s[k] <= '9')
                v = v * 10 + (s[k++] - '0');
            if (k - i == 5 && !zone_set) {
                zone = sign * ((v / 100) * 60 + v % 100);
                zone_set = 1;
            }
            i = k > i + 1 ? k : i + 1;
            continue;
        }
        if (s[i] >= '0' && s[i] <= '9') {
            int64_t v = 0, parts[3] = { 0, 0, 0 };
            int np = 0;
            while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == ':') && np < 3) {
                if (s[i] == ':') {
                    np++;
                    if (np < 3)
                        parts[np] = 0;
                } else if (parts[np] < 100000) {
                    parts[np] = parts[np] * 10 + (s[i] - '0');
                }
                i++;
            }
            len = i - start;
            v = parts[0];
            if (np >= 1) {
                hh = parts[0];
                mm = parts[1];
                ss = np >= 2 ? parts[2] : 0;
            } else if (len >= 3 || (day >= 0 && month >= 0 && year < 0 && hh < 0) ||
                       (day >= 0 && hh >= 0)) {
                /* a year: four digits, or the number after day and month */
                year = v;
                if (len <= 2)
                    year += year < 50 ? 2000 : 1900;
                else if (len == 3)
                    year += 1900;
            } else if (day < 0) {
                day = v;
            } else {
                year = v + (v < 50 ? 2000 : 1900);
            }
            continue;
        }
        while (i < n && ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z'))
            i++;
        len = i - start;
        if (len >= 3 && month < 0) {
            const char *m;
            char lower[3] = { ascii_lower(s[start]), ascii_lower(s[start + 1]),
                              ascii_lower(s[start + 2]) };
            for (m = months; *m; m += 3)
                if (!memcmp(m, lower, 3)) {
                    month = (m - months) / 3 + 1;
                    break;
                }
            if (month > 0)
                continue;
        }
        if (len && !zone_set && hh >= 0) {
            int known;
            int z = zone_minutes(s + start, len, &known);
            if (known) {
                zone = z;
                zone_set = 1;
            }
        }
        if (!len)
            i++;    /* ',', '.', or anything else: a separator */
    }
    if (year < 1601 || year > 9999 || month < 1 || day < 1 || day > 31 || hh < 0 || hh > 23 ||
        mm > 59 || ss > 60)
        return 0;
    {
        int64_t secs = days_from_civil(year, (unsigned)month, (unsigned)day) * 86400 +
                       hh * 3600 + mm * 60 + (ss == 60 ? 59 : ss) - zone * 60;
        int64_t ft = mime_filetime_from_unix(secs);
        return ft > 0 ? ft : 0;
    }
}

void date_format(int64_t filetime, mbuf *out)
{
    int64_t t = mime_unix_from_filetime(filetime), days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    mime_datetime dt;

    mime_datetime_from_filetime(filetime, &dt);
    mbuf_printf(out, "%s, %02d %s %04d %02d:%02d:%02d +0000", day_names[((days % 7) + 7) % 7],
                dt.day, month_names[dt.month - 1], dt.year, dt.hour, dt.minute, dt.second);
}

void mime_datetime_from_filetime(int64_t filetime, mime_datetime *out)
{
    int64_t t = mime_unix_from_filetime(filetime), days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t rem = t - days * 86400;
    unsigned m, d;

    civil_from_days(days, &out->year, &m, &d);
    out->month = (int)m;
    out->day = (int)d;
    out->hour = (int)(rem / 3600);
    out->minute = (int)(rem / 60 % 60);
    out->second = (int)(rem % 60);
}

int64_t mime_filetime_from_datetime(const mime_datetime *dt)
{
    if (dt->year < 1601 || dt->year > 9999 || dt->month < 1 || dt->month > 12 || dt->day < 1 ||
        dt->day > 31 || dt->hour < 0 || dt->hour > 23 || dt->minute < 0 || dt->minute > 59 ||
        dt->second < 0 || dt->second > 60)
        return 0;
    return mime_filetime_from_unix(days_from_civil(dt->year, (unsigned)dt->month,
                                                   (unsigned)dt->day) * 86400 +
                                   dt->hour * 3600 + dt->minute * 60 +
                                   (dt->second == 60 ? 59 : dt->second));
}
