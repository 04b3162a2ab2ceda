/*
 * guids.c - the one place that instantiates the MAPI interface identifiers for the project.
 * MinGW-w64 ships them in no import library (spi-digest.md §0.5); mapiguid.h defines a GUID only
 * under INITGUID when its USES_IID_* macro is set. tandem32.dll and minimapi.dll both link
 * mapicore, so every other file includes <mapiguid.h> without INITGUID and links to these.
 * IID_IUnknown and IID_IStream come from libuuid and are deliberately not defined here.
 */
#define INITGUID
#define USES_IID_IMAPISession
#define USES_IID_IMAPITable
#define USES_IID_IMAPIAdviseSink
#define USES_IID_IMAPIControl
#define USES_IID_IProfAdmin
#define USES_IID_IMsgServiceAdmin
#define USES_IID_IProviderAdmin
#define USES_IID_IMAPIProgress
#define USES_IID_IMAPIProp
#define USES_IID_IProfSect
#define USES_IID_IMAPIStatus
#define USES_IID_IMsgStore
#define USES_IID_IMessage
#define USES_IID_IAttachment
#define USES_IID_IAddrBook
#define USES_IID_IMailUser
#define USES_IID_IMAPIContainer
#define USES_IID_IMAPIFolder
#define USES_IID_IABContainer
#define USES_IID_IDistList
#define USES_IID_IMAPISup
#define USES_IID_IMSProvider
#define USES_IID_IABProvider
#define USES_IID_IXPProvider
#define USES_IID_IMSLogon
#define USES_IID_IABLogon
#define USES_IID_IXPLogon
#define USES_IID_IMAPITableData
#define USES_IID_IMAPISpoolerInit
#define USES_IID_IMAPISpoolerSession
#define USES_IID_ITNEF
#define USES_IID_IMAPIPropData
#define USES_IID_ISpoolerHook
#define USES_IID_IMAPISpoolerService
#define USES_IID_IMAPIViewContext
#define USES_IID_IMAPIFormMgr
#define USES_IID_IEnumMAPIFormProp
#define USES_IID_IMAPIFormInfo
#define USES_IID_IMAPIForm
#define USES_PS_MAPI
#define USES_PS_PUBLIC_STRINGS
#define USES_IID_IPersistMessage
#define USES_IID_IMAPIViewAdviseSink
#define USES_IID_IStreamDocfile
#define USES_IID_IMAPIFormProp
#define USES_IID_IMAPIFormContainer
#define USES_IID_IMAPIFormAdviseSink
#define USES_IID_IStreamTnef
#define USES_IID_IMAPIFormFactory
#define USES_IID_IMAPIMessageSite
#define USES_PS_ROUTING_EMAIL_ADDRESSES
#define USES_PS_ROUTING_ADDRTYPE
#define USES_PS_ROUTING_DISPLAY_NAME
#define USES_PS_ROUTING_ENTRYID
#define USES_PS_ROUTING_SEARCH_KEY
#define USES_MUID_PROFILE_INSTANCE
#include <windows.h>
#include <initguid.h>
#include <mapiguid.h>
