from api.core.errors import NotFound, TooManyRequests, Unauthorized


class InvalidCredentials(Unauthorized):
    slug, title = "invalid-credentials", "Invalid credentials"


class InvalidAccessToken(Unauthorized):
    slug, title = "invalid-token", "Invalid or expired access token"


class LoginThrottled(TooManyRequests):
    slug, title = "login-throttled", "Too many failed sign-ins"


class UserNotFound(NotFound):
    slug, title = "user-not-found", "User not found"


class ServiceAccountNotFound(NotFound):
    slug, title = "service-account-not-found", "Service account not found"
