// libcurl for Swift, loaded on first use.
//
// Linking libcurl costs every process about 5 ms at start-up (it pulls in some thirty shared libraries), even
// one that never sends a request. So nothing links it: `ccurl_load` opens it with dlopen the first time a
// process needs HTTP, and the functions below call it through the table filled then. The curl headers are
// used for types and constants only.
//
// libcurl's variadic functions (curl_easy_setopt, curl_easy_getinfo) cannot be called from Swift; the typed
// wrappers below call them.
#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H

#include <curl/curl.h>
#include <dlfcn.h>
#include <stddef.h>

typedef struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL *handle);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    void (*easy_reset)(CURL *handle);
    void (*easy_cleanup)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *text);
    void (*slist_free_all)(struct curl_slist *list);
} ccurl_functions;

/// Opens libcurl and fills `functions`. Returns NULL on success, or why it failed (dlerror's text).
static inline const char *ccurl_load(ccurl_functions *functions) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) library = dlopen("libcurl.so", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) return dlerror();
#define CCURL_SYMBOL(field, name) \
    if ((*(void **)&functions->field = dlsym(library, name)) == NULL) return dlerror();
    CCURL_SYMBOL(global_init, "curl_global_init")
    CCURL_SYMBOL(easy_init, "curl_easy_init")
    CCURL_SYMBOL(easy_setopt, "curl_easy_setopt")
    CCURL_SYMBOL(easy_perform, "curl_easy_perform")
    CCURL_SYMBOL(easy_getinfo, "curl_easy_getinfo")
    CCURL_SYMBOL(easy_reset, "curl_easy_reset")
    CCURL_SYMBOL(easy_cleanup, "curl_easy_cleanup")
    CCURL_SYMBOL(easy_strerror, "curl_easy_strerror")
    CCURL_SYMBOL(slist_append, "curl_slist_append")
    CCURL_SYMBOL(slist_free_all, "curl_slist_free_all")
#undef CCURL_SYMBOL
    return NULL;
}

static inline CURLcode ccurl_setopt_long(const ccurl_functions *f, CURL *handle, CURLoption option, long value) {
    return f->easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_setopt_string(const ccurl_functions *f, CURL *handle, CURLoption option,
                                           const char *value) {
    return f->easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_setopt_pointer(const ccurl_functions *f, CURL *handle, CURLoption option,
                                            void *value) {
    return f->easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_setopt_slist(const ccurl_functions *f, CURL *handle, CURLoption option,
                                          struct curl_slist *value) {
    return f->easy_setopt(handle, option, value);
}

typedef size_t (*ccurl_data_callback)(char *data, size_t size, size_t count, void *context);

static inline CURLcode ccurl_setopt_callback(const ccurl_functions *f, CURL *handle, CURLoption option,
                                             ccurl_data_callback value) {
    return f->easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_getinfo_long(const ccurl_functions *f, CURL *handle, CURLINFO info, long *value) {
    return f->easy_getinfo(handle, info, value);
}

#endif
