/*
 * arena.c - the bounded arena behind every model and every parse's scratch space.
 *
 * Small objects are carved from 16 KiB blocks; anything larger gets a block of its own, so a
 * 40 MB attachment wastes nothing. Every byte handed out is charged against a limit, which is
 * how the parser's memory stays bounded on hostile input. Freeing is all at once.
 * Invariant: used <= limit; status is MIME_OK until the first failed allocation.
 */
#include <stdlib.h>
#include <string.h>

#include "mime_int.h"

#define ARENA_CHUNK   (16u * 1024)
#define ARENA_ALIGN   16u

struct arena_block {
    struct arena_block *next;
    size_t size;
    /* 16-aligned payload follows */
};

#define BLOCK_HEAD ((sizeof(struct arena_block) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1))

struct mime_arena *arena_new(size_t limit)
{
    struct mime_arena *a = calloc(1, sizeof(*a));

    if (a)
        a->limit = limit;
    return a;
}

void arena_free(struct mime_arena *a)
{
    struct arena_block *b, *next;

    if (!a)
        return;
    for (b = a->blocks; b; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}

static void *new_block(struct mime_arena *a, size_t payload)
{
    struct arena_block *b;

    if (payload > SIZE_MAX - BLOCK_HEAD || !(b = malloc(BLOCK_HEAD + payload))) {
        a->status = MIME_E_NOMEM;
        return NULL;
    }
    b->size = payload;
    b->next = a->blocks;
    a->blocks = b;
    return (char *)b + BLOCK_HEAD;
}

void *arena_alloc(struct mime_arena *a, size_t n)
{
    void *p;

    if (a->status)
        return NULL;
    n = n ? (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1) : ARENA_ALIGN;
    if (n > a->limit - a->used) {
        a->status = MIME_E_TOO_LARGE;
        return NULL;
    }
    a->used += n;
    if (n > ARENA_CHUNK / 4) {
        /* A large object gets its own block; the current small block stays current. */
        p = new_block(a, n);
    } else {
        if (n > a->left) {
            char *c = new_block(a, ARENA_CHUNK);
            if (!c)
                return NULL;
            a->cur = c;
            a->left = ARENA_CHUNK;
        }
        p = a->cur;
        a->cur += n;
        a->left -= n;
    }
    if (p)
        memset(p, 0, n);
    return p;
}

char *arena_strndup(struct mime_arena *a, const char *s, size_t n)
{
    char *p;

    if (n == SIZE_MAX || !(p = arena_alloc(a, n + 1)))
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *arena_strdup(struct mime_arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

int arena_grow(struct mime_arena *a, void **array, size_t *capacity, size_t need, size_t size)
{
    size_t cap = *capacity ? *capacity : 4;
    void *p;

    if (need <= *capacity)
        return MIME_OK;
    while (cap < need)
        cap *= 2;
    if (cap > a->limit / size) {
        a->status = a->status ? a->status : MIME_E_TOO_LARGE;
        return a->status;
    }
    if (!(p = arena_alloc(a, cap * size)))
        return a->status;
    if (*capacity)
        memcpy(p, *array, *capacity * size);
    *array = p;
    *capacity = cap;
    return MIME_OK;
}
