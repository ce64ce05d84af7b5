"""Alibaba Cloud (``cloud: alicloud``): ACK Pro, spot GPU node pools, ECI burst, the OSS model store."""
