package r2blob

// DefaultPartSize is the size of every part of a multipart upload but the
// last, and the largest file sent as one put. R2 wants parts of at least
// 5 MiB (except the last), all of one size.
const DefaultPartSize int64 = 8 << 20

// minPartSize is R2's smallest part but the last.
const minPartSize int64 = 5 << 20
