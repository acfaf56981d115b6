"""Rate limits like Commerce Layer's: sliding windows per access token, per organization, per IP
address on /oauth/token, and failed client authentications per client_id.

    limits       windows and counters; the X-Ratelimit-* headers and the 429 they lead to
    stores       where hits are counted: memory (one process) or Redis (every server)
    middleware   what each request is counted against, and the ASGI middleware
"""
