"""The store in, pages out: the read model, page kinds, feeds, search, downloads and media.

Never imports ingest: the store is all the two halves share.
"""
