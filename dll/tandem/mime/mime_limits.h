/*
 * mime_limits.h - every bound the codec keeps, in one place (issue 5, point 4).
 *
 * The parser reads hostile input: each quantity an attacker controls is bounded here, so memory
 * stays proportional to the input and the stack to MIME_MAX_DEPTH. Past a bound the result is
 * either an error (the MAPI layer maps it to MAPI_E_CORRUPT_DATA, see mime_hresult.c) or a
 * documented safe truncation. The writer keeps the same bounds, so whatever it writes the parser
 * reads back.
 */
#ifndef TANDEM_MIME_LIMITS_H
#define TANDEM_MIME_LIMITS_H

/* Whole message, as bytes on the wire (parse input, write output). Past it: MIME_E_TOO_LARGE.
 * 64 MiB holds the largest messages mainstream servers accept (Exchange Online: 150 MB is the
 * upper setting, most services use 25-50 MB) once base64 is counted. */
#define MIME_MAX_MESSAGE          (64u * 1024 * 1024)

/* Everything one parsed model holds (decoded bodies, attachments, the raw headers of every
 * nested message, strings). Decoded data is never larger than its encoding, but embedded
 * messages keep their own bytes too and charset conversion may triple text; four times the
 * message bound covers every legitimate case. Past it: MIME_E_TOO_LARGE. */
#define MIME_MAX_MODEL_BYTES      (4u * MIME_MAX_MESSAGE)

/* Nesting of multiparts and embedded messages together (the parser recurses once per level,
 * so this also bounds its stack). Real mail rarely passes 6. Past it: MIME_E_TOO_DEEP. */
#define MIME_MAX_DEPTH            32

/* MIME entities (leaf parts and multiparts, nested messages included) in one message.
 * Past it: MIME_E_TOO_MANY_PARTS. */
#define MIME_MAX_PARTS            1000

/* Fields in one header block (top level or one part). Past it: MIME_E_TOO_MANY_HEADERS. */
#define MIME_MAX_HEADERS          1000

/* Bytes of one header block, folding included. Past it: MIME_E_HEADER_TOO_LARGE. */
#define MIME_MAX_HEADER_BLOCK     (1024u * 1024)

/* Addresses kept per address field (To, Cc, ...). Safe truncation: later ones are dropped. */
#define MIME_MAX_ADDRESSES        5000

/* An addr-spec or a msg-id cannot be folded; longer ones are dropped when read (safe
 * truncation) and refused by the writer (MIME_E_INVALID_ARG). RFC 5321 allows 254 for a path. */
#define MIME_MAX_TOKEN            512

/* Parameters per Content-Type / Content-Disposition, and RFC 2231 continuation sections per
 * parameter. Safe truncation: further ones are ignored. */
#define MIME_MAX_PARAMS           64
#define MIME_MAX_CONTINUATIONS    64

/* A file name (filename= / name=) is kept and written in at most this many bytes of UTF-8, the
 * longest name file systems take: longer ones are cut at a character boundary, their extension
 * kept (mime_filename_fit), so whatever was read can be written again. */
#define MIME_MAX_FILENAME         255

/* A multipart boundary longer than this (RFC 2046 allows 70) makes the part plain text. */
#define MIME_MAX_BOUNDARY         200

/* Line lengths the writer keeps (RFC 5322 2.1.1): it folds at MIME_FOLD_AT, encoded words and
 * encoded bodies stay within MIME_LINE_SOFT, and no line ever exceeds MIME_LINE_HARD. */
#define MIME_FOLD_AT              78
#define MIME_LINE_SOFT            76
#define MIME_LINE_HARD            998

#endif
