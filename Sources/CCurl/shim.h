#ifndef PAPERBOY_CCURL_SHIM_H
#define PAPERBOY_CCURL_SHIM_H
#include <curl/curl.h>
#endif
