/* The baselines for scripts/bench-smtp: plain C over libcurl.
 *
 * Sends N messages (S bytes of body each) to smtp://127.0.0.1:PORT over C
 * reused easy handles (a connection stays open, the next message starts at
 * MAIL FROM), two ways:
 *   multi    all handles in one multi handle, driven by one thread
 *   threads  one thread per handle, each calling curl_easy_perform, as
 *            Paperboy's SMTPTransport does (minus the reply capture and the Swift)
 * libcurl waits for the reply to the final dot with a blocking loop inside
 * smtp_done, which stalls a multi handle's other transfers: hence "threads".
 *
 *   gcc -O2 -o bench-smtp-libcurl scripts/bench-smtp-libcurl.c -lcurl -lpthread
 *   ./bench-smtp-libcurl PORT MESSAGES SIZE CONNECTIONS [multi|threads]
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

struct slot {
    CURL *easy;
    struct curl_slist *rcpt;
    char *message;
    size_t length;
    size_t offset;
};

static size_t read_message(char *buffer, size_t size, size_t count, void *userdata) {
    struct slot *slot = userdata;
    size_t n = size * count;
    if (n > slot->length - slot->offset) n = slot->length - slot->offset;
    memcpy(buffer, slot->message + slot->offset, n);
    slot->offset += n;
    return n;
}

static char *make_message(int k, const char *body, size_t *length) {
    char headers[512];
    int h = snprintf(headers, sizeof headers,
                     "From: Paperboy <digest@paperboy.test>\r\nTo: reader%d@example.org\r\nSubject: Benchmark %d\r\n"
                     "Message-ID: <%d.bench@paperboy.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
                     k, k, k);
    size_t b = strlen(body);
    char *message = malloc(h + b);
    memcpy(message, headers, h);
    memcpy(message + h, body, b);
    *length = h + b;
    return message;
}

/* Messages are made before the clock starts, as paperboy-bench smtp makes its envelopes. */
static char **prepared;
static size_t *prepared_length;

static void start(struct slot *slot, CURLM *multi, int k) {
    char rcpt[64];
    size_t length = prepared_length[k];
    slot->message = prepared[k];
    slot->length = length;
    slot->offset = 0;
    snprintf(rcpt, sizeof rcpt, "<reader%d@example.org>", k);
    curl_slist_free_all(slot->rcpt);
    slot->rcpt = curl_slist_append(NULL, rcpt);
    curl_easy_setopt(slot->easy, CURLOPT_MAIL_RCPT, slot->rcpt);
    curl_easy_setopt(slot->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)length);
    curl_multi_add_handle(multi, slot->easy);
}

/* threads: each thread owns one slot and takes the next message under a lock. */
static pthread_mutex_t next_lock = PTHREAD_MUTEX_INITIALIZER;
static int next_message, total_messages, sent_total, failed_total;

static void *worker(void *arg) {
    struct slot *slot = arg;
    for (;;) {
        pthread_mutex_lock(&next_lock);
        int k = next_message < total_messages ? next_message++ : -1;
        pthread_mutex_unlock(&next_lock);
        if (k < 0) break;
        char rcpt[64];
        slot->message = prepared[k];
        slot->length = prepared_length[k];
        slot->offset = 0;
        snprintf(rcpt, sizeof rcpt, "<reader%d@example.org>", k);
        curl_slist_free_all(slot->rcpt);
        slot->rcpt = curl_slist_append(NULL, rcpt);
        curl_easy_setopt(slot->easy, CURLOPT_MAIL_RCPT, slot->rcpt);
        curl_easy_setopt(slot->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)slot->length);
        CURLcode result = curl_easy_perform(slot->easy);
        pthread_mutex_lock(&next_lock);
        if (result == CURLE_OK) sent_total++; else failed_total++;
        pthread_mutex_unlock(&next_lock);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: %s PORT MESSAGES SIZE CONNECTIONS [multi|threads]\n", argv[0]);
        return 64;
    }
    int threaded = argc == 6 && strcmp(argv[5], "threads") == 0;
    int port = atoi(argv[1]), messages = atoi(argv[2]), size = atoi(argv[3]), connections = atoi(argv[4]);
    if (port <= 0 || messages <= 0 || size <= 0 || connections <= 0) {
        fprintf(stderr, "bench-smtp-libcurl: PORT, MESSAGES, SIZE and CONNECTIONS must be positive\n");
        return 64;
    }
    /* The same body as paperboy-bench smtp: 78-byte CRLF lines, cut to SIZE and ending in CRLF. */
    const char *line = "Paperboy benchmark body line: transfer learning, adapters, distillation.xxxx\r\n";
    size_t line_length = strlen(line);
    char *body = malloc(size + line_length + 1);
    size_t filled = 0;
    while (filled < (size_t)size) {
        memcpy(body + filled, line, line_length);
        filled += line_length;
    }
    body[size] = 0;
    if (size >= 2) { body[size - 2] = '\r'; body[size - 1] = '\n'; }

    curl_global_init(CURL_GLOBAL_ALL);
    char url[128];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d/paperboy-bench.localdomain", port);
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)connections);
    struct slot *slots = calloc(connections, sizeof *slots);
    for (int i = 0; i < connections; i++) {
        CURL *easy = curl_easy_init();
        slots[i].easy = easy;
        curl_easy_setopt(easy, CURLOPT_URL, url);
        curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(easy, CURLOPT_MAIL_FROM, "<digest@paperboy.test>");
        curl_easy_setopt(easy, CURLOPT_READFUNCTION, read_message);
        curl_easy_setopt(easy, CURLOPT_READDATA, &slots[i]);
        curl_easy_setopt(easy, CURLOPT_PRIVATE, &slots[i]);
        /* As SMTPTransport: 16 KB instead of the 64 KB default, whose 128 KB
           dot-stuffing buffer glibc returns to the kernel after every message. */
        curl_easy_setopt(easy, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
    }

    prepared = malloc(messages * sizeof *prepared);
    prepared_length = malloc(messages * sizeof *prepared_length);
    for (int k = 0; k < messages; k++) prepared[k] = make_message(k, body, &prepared_length[k]);

    struct timespec t0, t1;
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int next = 0, active = 0, sent = 0, failed = 0;
    if (threaded) {
        total_messages = messages;
        pthread_t *threads = calloc(connections, sizeof *threads);
        for (int i = 0; i < connections; i++) pthread_create(&threads[i], NULL, worker, &slots[i]);
        for (int i = 0; i < connections; i++) pthread_join(threads[i], NULL);
        free(threads);
        sent = sent_total;
        failed = failed_total;
    }
    for (int i = 0; !threaded && i < connections && next < messages; i++, next++, active++) start(&slots[i], multi, next);
    while (active > 0) {
        int running = 0, queued = 0;
        curl_multi_perform(multi, &running);
        CURLMsg *m;
        int finished = 0;
        while ((m = curl_multi_info_read(multi, &queued)) != NULL) {
            if (m->msg != CURLMSG_DONE) continue;
            struct slot *slot;
            CURL *easy = m->easy_handle;
            CURLcode result = m->data.result;
            curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&slot);
            curl_multi_remove_handle(multi, easy);
            if (result == CURLE_OK) sent++; else failed++;
            active--;
            finished = 1;
            if (next < messages) {
                start(slot, multi, next++);
                active++;
            }
        }
        if (!finished && active > 0) curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    getrusage(RUSAGE_SELF, &r1);
    double cpu = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) + (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec)
               + ((r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec)) / 1e6;
    double seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("C libcurl %s: %d messages, %d bytes of body, %d connections to 127.0.0.1:%d\n", threaded ? "threads" : "multi", messages, size, connections, port);
    printf("sent %d (%d failed) in %.3f s: %.0f messages/s\n", sent, failed, seconds, sent / seconds);
    printf("CPU (user + system, all threads): %.3f s, %.1f us per message\n", cpu, cpu * 1e6 / messages);
    printf("rate=%.1f\n", sent / seconds);
    printf("cpu_us=%.1f\n", cpu * 1e6 / messages);

    for (int i = 0; i < connections; i++) {
        curl_easy_cleanup(slots[i].easy);
        curl_slist_free_all(slots[i].rcpt);
    }
    for (int k = 0; k < messages; k++) free(prepared[k]);
    free(prepared);
    free(prepared_length);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    free(slots);
    free(body);
    return failed ? 1 : 0;
}
