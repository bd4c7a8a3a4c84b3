--
-- PostgreSQL database dump (trimmed), the way pg_dump writes constraints: after the tables.
--

SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SELECT pg_catalog.set_config('search_path', '', false);

CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA public;

CREATE TYPE public.ticket_priority AS ENUM (
    'low',
    'normal',
    'high',
    'urgent'
);

CREATE TABLE public.agents (
    id integer NOT NULL,
    login character varying(32) NOT NULL,
    hired_on date,
    CONSTRAINT agents_login_check CHECK (((login)::text ~ '^[a-z][a-z0-9_]{2,31}$'::text))
);

CREATE SEQUENCE public.agents_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;

CREATE TABLE public.tickets (
    id bigint DEFAULT nextval('public.tickets_id_seq'::regclass) NOT NULL,
    ticket_ref uuid DEFAULT public.uuid_generate_v4() NOT NULL,
    agent_id integer,
    priority public.ticket_priority DEFAULT 'normal'::public.ticket_priority NOT NULL,
    channel character varying(10) NOT NULL,
    opened_at timestamp with time zone NOT NULL,
    CONSTRAINT tickets_channel_check CHECK (((channel)::text = ANY ((ARRAY['email'::character varying, 'phone'::character varying, 'chat'::character varying])::text[])))
);

COMMENT ON TABLE public.tickets IS 'Support tickets';
COMMENT ON COLUMN public.tickets.channel IS 'Where the customer reached us';

ALTER TABLE ONLY public.agents
    ADD CONSTRAINT agents_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.tickets
    ADD CONSTRAINT tickets_pkey PRIMARY KEY (id);

CREATE UNIQUE INDEX agents_login_key ON public.agents USING btree (login);

CREATE INDEX tickets_opened_idx ON public.tickets USING btree (opened_at);

ALTER TABLE ONLY public.tickets
    ADD CONSTRAINT tickets_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES public.agents(id) ON DELETE SET NULL;
