/*
 * mime_hresult.c - the codec's status codes as MAPI HRESULTs (Windows only; the portable core
 * knows no HRESULT). Every limit of mime_limits.h is corrupt data from MAPI's point of view
 * (issue 5, point 4); an argument the writer cannot express is an invalid parameter.
 */
#ifdef _WIN32

#include <windows.h>
#include <mapicode.h>

#include "mime.h"

long mime_hresult(int status)
{
    switch (status) {
    case MIME_OK:
        return S_OK;
    case MIME_E_NOMEM:
        return MAPI_E_NOT_ENOUGH_MEMORY;
    case MIME_E_INVALID_ARG:
        return MAPI_E_INVALID_PARAMETER;
    case MIME_E_TOO_LARGE:
    case MIME_E_TOO_DEEP:
    case MIME_E_TOO_MANY_PARTS:
    case MIME_E_TOO_MANY_HEADERS:
    case MIME_E_HEADER_TOO_LARGE:
        return MAPI_E_CORRUPT_DATA;
    }
    return MAPI_E_CALL_FAILED;
}

#endif
