#include "CCurlShims.h"

CURLcode CCurlShims_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode CCurlShims_easy_setopt_off_t(CURL *handle, CURLoption option, long long value) {
    return curl_easy_setopt(handle, option, (curl_off_t)value);
}

CURLcode CCurlShims_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode CCurlShims_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode CCurlShims_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode CCurlShims_easy_setopt_data_callback(CURL *handle, CURLoption option, CCurlShims_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode CCurlShims_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

CURLcode CCurlShims_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    return curl_easy_getinfo(handle, info, value);
}

CURLcode CCurlShims_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

CURLcode CCurlShims_easy_setopt_debug_callback(CURL *handle, CURLoption option, CCurlShims_debug_callback value) {
    return curl_easy_setopt(handle, option, value);
}

// --- Redirect guard -------------------------------------------------------

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static CCurlShims_address_class classify_ipv4(const unsigned char *a) {
    if (a[0] == 0) return CCurlShims_address_unspecified;                       // 0.0.0.0/8
    if (a[0] == 127) return CCurlShims_address_loopback;                        // 127.0.0.0/8
    if (a[0] == 10) return CCurlShims_address_private;                          // 10.0.0.0/8
    if (a[0] == 172 && (a[1] & 0xf0) == 16) return CCurlShims_address_private;  // 172.16.0.0/12
    if (a[0] == 192 && a[1] == 168) return CCurlShims_address_private;          // 192.168.0.0/16
    if (a[0] == 169 && a[1] == 254) return CCurlShims_address_link_local;       // 169.254.0.0/16
    if (a[0] == 100 && (a[1] & 0xc0) == 64) return CCurlShims_address_shared;   // 100.64.0.0/10
    if (a[0] == 192 && a[1] == 0 && a[2] == 0) return CCurlShims_address_private; // 192.0.0.0/24 (IETF protocol assignments)
    if (a[0] == 198 && (a[1] & 0xfe) == 18) return CCurlShims_address_private;  // 198.18.0.0/15 (benchmarking)
    if (a[0] >= 240) return CCurlShims_address_private;                         // 240.0.0.0/4 reserved, and broadcast
    return CCurlShims_address_public;
}

static CCurlShims_address_class classify_ipv6(const unsigned char *a) {
    static const unsigned char mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char nat64_prefix[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    static const unsigned char zero[16] = {0};
    static const unsigned char local_nat64_prefix[6] = {0, 0x64, 0xff, 0x9b, 0, 0x01};
    if (memcmp(a, mapped_prefix, 12) == 0 || memcmp(a, nat64_prefix, 12) == 0) return classify_ipv4(a + 12);
    if (memcmp(a, local_nat64_prefix, 6) == 0) return CCurlShims_address_unique_local; // 64:ff9b:1::/48 (local-use NAT64, RFC 8215)
    if (memcmp(a, zero, 16) == 0) return CCurlShims_address_unspecified;        // ::
    if (memcmp(a, zero, 15) == 0 && a[15] == 1) return CCurlShims_address_loopback; // ::1
    // ::a.b.c.d (deprecated IPv4-compatible): not routable; refuse.
    if (memcmp(a, zero, 12) == 0) return CCurlShims_address_unspecified;
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return CCurlShims_address_link_local; // fe80::/10
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return CCurlShims_address_unique_local; // fec0::/10 (deprecated site-local)
    if ((a[0] & 0xfe) == 0xfc) return CCurlShims_address_unique_local;         // fc00::/7
    return CCurlShims_address_public;
}

CCurlShims_address_class CCurlShims_classify_address(const unsigned char *bytes, size_t count) {
    if (count == 4) return classify_ipv4(bytes);
    if (count == 16) return classify_ipv6(bytes);
    return CCurlShims_address_unknown_family;
}

int CCurlShims_classify_address_text(const char *text) {
    unsigned char bytes[16];
    if (inet_pton(AF_INET, text, bytes) == 1) return (int)classify_ipv4(bytes);
    if (inet_pton(AF_INET6, text, bytes) == 1) return (int)classify_ipv6(bytes);
    return -1;
}

static curl_socket_t guarded_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address) {
    CCurlShims_socket_guard *guard = (CCurlShims_socket_guard *)clientp;
    (void)purpose;
    if (guard->enforce) {
        CCurlShims_address_class class = CCurlShims_address_unknown_family;
        const void *raw = NULL;
        if (address->family == AF_INET && address->addrlen >= sizeof(struct sockaddr_in)) {
            raw = &((const struct sockaddr_in *)&address->addr)->sin_addr;
            class = classify_ipv4((const unsigned char *)raw);
        } else if (address->family == AF_INET6 && address->addrlen >= sizeof(struct sockaddr_in6)) {
            raw = &((const struct sockaddr_in6 *)&address->addr)->sin6_addr;
            class = classify_ipv6((const unsigned char *)raw);
        }
        if (class != CCurlShims_address_public) {
            guard->refused = 1;
            guard->refused_class = (int)class;
            guard->refused_address[0] = 0;
            if (raw != NULL) {
                inet_ntop(address->family, raw, guard->refused_address, sizeof(guard->refused_address));
            }
            return CURL_SOCKET_BAD;
        }
    }
#ifdef SOCK_CLOEXEC
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
#else
    return socket(address->family, address->socktype, address->protocol);
#endif
}

CURLcode CCurlShims_install_socket_guard(CURL *handle, CCurlShims_socket_guard *guard) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, guarded_open_socket);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, guard);
}
