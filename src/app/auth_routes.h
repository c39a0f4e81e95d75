// HTTP routes of the auth module (sign-in/out, organisations, users, memberships, API tokens) and
// the authenticator that resolves each request's caller from the session cookie or a bearer
// token. Thin: parse -> auth::AuthService -> render JSON.
#pragma once

#include <string>

#include "auth/auth_service.h"
#include "http/router.h"
#include "http/server.h"

namespace kechan::app {

inline constexpr char kSessionCookie[] = "kechan_session";

struct AuthRouteOptions {
  bool secure_cookies = false;  // the site is served over HTTPS: add `Secure` to the cookie
  std::string cookie_name = kSessionCookie;
};

// Registers on `router` (the service must outlive it):
//   POST   /api/v1/session                  public; {username,password} -> cookie + csrf_token
//   GET    /api/v1/session                  public; who am I ({"signed_in":false} when anonymous)
//   DELETE /api/v1/session                  public; ends the cookie's session, clears the cookie
//   GET    /api/v1/orgs                     signed in; ?page&page_size&kind&q
//   POST   /api/v1/orgs                     operators; {kind,name,name_en?,uscc?} (201)
//   GET    /api/v1/orgs/{id}                signed in (members and operators); with members
//   GET    /api/v1/users                    signed in; ?page&page_size&org_id
//   POST   /api/v1/users                    signed in; {username,password,display_name?,email?,
//                                           memberships?:[{org_id,role}]} (201)
//   GET    /api/v1/users/{id}               signed in (self, fellow members, operators)
//   PATCH  /api/v1/users/{id}               operators; {disabled: bool}
//   POST   /api/v1/users/{id}/password      signed in; {password,current_password?} (204)
//   POST   /api/v1/users/{id}/memberships   signed in; {org_id,role} (201)
//   DELETE /api/v1/users/{id}/memberships/{org_id}/{role}   signed in (204)
//   GET    /api/v1/tokens                   signed in; the caller's API tokens
//   POST   /api/v1/tokens                   signed in by session; {name} -> the token, once (201)
//   DELETE /api/v1/tokens/{id}              signed in (204)
// Role and CSRF checks of RouteSpec are done by the server; ownership by the service.
void RegisterAuthRoutes(http::Router& router, auth::AuthService& service,
                        const AuthRouteOptions& options = {});

// Returns the authenticator for http::Server: `Authorization: Bearer kt_...` first (a bad token is
// 401), else the session cookie. A bad or expired cookie counts as anonymous, so public pages keep
// working and protected routes answer 401 "auth.required". POST /api/v1/session (sign-in) is
// always anonymous, so a stale cookie can never block signing in again.
http::Authenticator MakeAuthenticator(auth::AuthService& service,
                                      const AuthRouteOptions& options = {});

}  // namespace kechan::app
