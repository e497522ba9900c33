#ifndef PAPERBOY_CCURL_SHIMS_H
#define PAPERBOY_CCURL_SHIMS_H

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot
// call. These wrappers give each argument type its own function, the way
// swift-corelibs-foundation's _CFURLSessionInterface does.

#include <curl/curl.h>

typedef size_t (*CCurlShims_data_callback)(char *data, size_t size, size_t count, void *userdata);

CURLcode CCurlShims_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode CCurlShims_easy_setopt_off_t(CURL *handle, CURLoption option, long long value);
CURLcode CCurlShims_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode CCurlShims_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode CCurlShims_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode CCurlShims_easy_setopt_data_callback(CURL *handle, CURLoption option, CCurlShims_data_callback value);

CURLcode CCurlShims_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode CCurlShims_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value);
CURLcode CCurlShims_easy_getinfo_double(CURL *handle, CURLINFO info, double *value);

// CURLOPT_DEBUGFUNCTION: (handle, type, data, size, userdata) -> 0.
typedef int (*CCurlShims_debug_callback)(CURL *handle, curl_infotype type, char *data, size_t size, void *userdata);
CURLcode CCurlShims_easy_setopt_debug_callback(CURL *handle, CURLoption option, CCurlShims_debug_callback value);

// --- Redirect guard -------------------------------------------------------
// What kind of address a socket would connect to. Everything but PUBLIC is
// refused for a redirect that leaves the configured URL's origin.
typedef enum {
    CCurlShims_address_public = 0,
    CCurlShims_address_loopback = 1,
    CCurlShims_address_private = 2,
    CCurlShims_address_link_local = 3,
    CCurlShims_address_unique_local = 4,
    CCurlShims_address_unspecified = 5,
    CCurlShims_address_shared = 6,      // 100.64.0.0/10, carrier-grade NAT
    CCurlShims_address_unknown_family = 7
} CCurlShims_address_class;

// Classifies 4 (IPv4) or 16 (IPv6) bytes in network order. IPv4-mapped
// (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) IPv6 addresses are
// classified by the IPv4 address they carry.
CCurlShims_address_class CCurlShims_classify_address(const unsigned char *bytes, size_t count);

// Parses a numeric IPv4 or IPv6 address (inet_pton) and classifies it;
// returns -1 when the text is not an address.
int CCurlShims_classify_address_text(const char *text);

// State shared with the CURLOPT_OPENSOCKETFUNCTION callback for one transfer.
typedef struct {
    // In: nonzero to refuse sockets to non-public addresses.
    int enforce;
    // Out: set when a socket was refused (the class and the address as text).
    int refused;
    int refused_class;
    char refused_address[64];
} CCurlShims_socket_guard;

// Installs the guard: every socket libcurl opens for this handle is checked
// against `guard` before it is created, so a refused address is never
// connected to (the transfer fails with CURLE_COULDNT_CONNECT).
CURLcode CCurlShims_install_socket_guard(CURL *handle, CCurlShims_socket_guard *guard);

#endif
