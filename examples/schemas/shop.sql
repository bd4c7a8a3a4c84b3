-- qaflow example: a small web shop (PostgreSQL).
-- `qaflow mockdata generate examples/schemas/shop.sql --rows 1000000 --out out/shop`
-- generates customers, products, orders and order_items with valid foreign keys.

CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'delivered', 'cancelled');

CREATE TABLE customers (
    id              BIGSERIAL PRIMARY KEY,
    first_name      VARCHAR(50)  NOT NULL,
    last_name       VARCHAR(50)  NOT NULL,
    email           VARCHAR(255) NOT NULL UNIQUE,
    phone           VARCHAR(32),
    street          VARCHAR(120) NOT NULL,
    city            VARCHAR(80)  NOT NULL,
    postcode        VARCHAR(12)  NOT NULL,
    country_code    CHAR(2)      NOT NULL DEFAULT 'US',
    birth_date      DATE CHECK (birth_date BETWEEN '1920-01-01' AND '2008-12-31'),
    signup_at       TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
    status          VARCHAR(16)  NOT NULL DEFAULT 'active'
                    CHECK (status IN ('active', 'inactive', 'suspended', 'closed')),
    loyalty_points  INTEGER      NOT NULL DEFAULT 0 CHECK (loyalty_points >= 0 AND loyalty_points <= 100000),
    balance         DECIMAL(10, 2) NOT NULL DEFAULT 0.00,
    is_active       BOOLEAN      NOT NULL DEFAULT TRUE
);

COMMENT ON TABLE customers IS 'People who signed up to the shop.';
COMMENT ON COLUMN customers.loyalty_points IS 'Points earned, never negative.';

CREATE TABLE products (
    id          SERIAL PRIMARY KEY,
    sku         VARCHAR(16)    NOT NULL UNIQUE CHECK (sku ~ '^SKU-[0-9]{4}-[A-Z]{2}$'),
    name        VARCHAR(120)   NOT NULL,
    category    VARCHAR(32)    NOT NULL
                CHECK (category IN ('books', 'electronics', 'garden', 'toys', 'clothing')),
    price       NUMERIC(8, 2)  NOT NULL CHECK (price > 0 AND price <= 5000),
    stock       SMALLINT       NOT NULL DEFAULT 0 CHECK (stock >= 0),
    created_at  TIMESTAMP      NOT NULL
);

CREATE TABLE orders (
    id            BIGSERIAL PRIMARY KEY,
    customer_id   BIGINT        NOT NULL REFERENCES customers (id),
    order_number  UUID          NOT NULL UNIQUE,
    status        order_status  NOT NULL DEFAULT 'pending',
    ordered_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    total         NUMERIC(12, 2) NOT NULL CHECK (total >= 0),
    shipping_ip   INET
);

CREATE INDEX orders_customer_idx ON orders (customer_id);

CREATE TABLE order_items (
    order_id    BIGINT        NOT NULL,
    line_no     SMALLINT      NOT NULL CHECK (line_no BETWEEN 1 AND 50),
    product_id  INTEGER       NOT NULL,
    quantity    INTEGER       NOT NULL CHECK (quantity > 0 AND quantity < 100),
    unit_price  NUMERIC(8, 2) NOT NULL CHECK (unit_price > 0),
    PRIMARY KEY (order_id, line_no),
    CONSTRAINT order_items_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
    CONSTRAINT order_items_product_fk FOREIGN KEY (product_id) REFERENCES products (id)
);
