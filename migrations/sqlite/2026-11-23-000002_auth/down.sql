DROP TABLE sign_in_failures;
DROP TABLE service_credentials;
DROP TABLE users;
