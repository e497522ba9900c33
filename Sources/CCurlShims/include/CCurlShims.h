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

#endif
