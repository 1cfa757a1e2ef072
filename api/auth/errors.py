from api.core.errors import TooManyRequests, Unauthorized


class InvalidCredentials(Unauthorized):
    slug, title = "invalid-credentials", "Invalid credentials"


class InvalidAccessToken(Unauthorized):
    slug, title = "invalid-token", "Invalid or expired access token"


class LoginThrottled(TooManyRequests):
    slug, title = "login-throttled", "Too many failed sign-ins"
